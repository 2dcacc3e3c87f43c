//! The server side of RFC 6455 for screens that only listen. Live screens never
//! send data; they answer pings and say goodbye. So this module accepts the
//! handshake, encodes server frames once for every screen that gets them, and
//! reads just enough of what a client sends to answer pings, notice a close and
//! refuse what breaks the protocol.

use axum::body::Bytes;
use axum::http::{header, HeaderMap, Method};

/// The largest frame a screen may send; anything bigger is not a screen.
pub const MAX_CLIENT_FRAME: usize = 16 * 1024;

pub const PING: &[u8] = &[0x89, 0x00];

/// Close status codes (RFC 6455 §7.4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseCode {
    Normal = 1000,
    /// The server is shutting down: the screen reconnects (to another instance).
    GoingAway = 1001,
    ProtocolError = 1002,
    TooBig = 1009,
}

/// The `Sec-WebSocket-Accept` answer if the request is a WebSocket handshake
/// this server can take (version 13 over HTTP/1.1).
pub fn accept_key(method: &Method, headers: &HeaderMap) -> Option<String> {
    let has_token = |name: header::HeaderName, token: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.split(',').any(|part| part.trim().eq_ignore_ascii_case(token)))
    };
    let is_handshake = *method == Method::GET
        && has_token(header::CONNECTION, "upgrade")
        && has_token(header::UPGRADE, "websocket")
        && headers.get(header::SEC_WEBSOCKET_VERSION).is_some_and(|v| v == "13");
    let key = headers.get(header::SEC_WEBSOCKET_KEY).filter(|_| is_handshake)?;
    Some(tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes()))
}

/// An unmasked frame from the server with its whole payload.
fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut frame = Vec::with_capacity(payload.len() + 10);
    frame.push(0x80 | opcode);
    match payload.len() {
        len @ 0..=125 => frame.push(len as u8),
        len @ 126..=0xFFFF => {
            frame.push(126);
            frame.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            frame.push(127);
            frame.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    frame.extend_from_slice(payload);
    frame
}

pub fn text_frame(text: &[u8]) -> Bytes {
    Bytes::from(frame(0x1, text))
}

pub fn pong_frame(payload: &[u8]) -> Vec<u8> {
    frame(0xA, payload)
}

pub fn close_frame(code: CloseCode) -> Vec<u8> {
    frame(0x8, &(code as u16).to_be_bytes())
}

/// What a client sent, as far as a listening screen cares.
#[derive(Debug, PartialEq, Eq)]
pub enum ClientFrame {
    Ping(Vec<u8>),
    Pong,
    Close,
    /// Text, binary or a continuation: screens have nothing to say, so it is read and dropped.
    Data,
}

/// Reads the first complete frame of `buffer`: the frame and the bytes it took,
/// `Ok(None)` while it is incomplete, or the close code for a frame that breaks
/// the protocol.
pub fn read_frame(buffer: &[u8]) -> Result<Option<(ClientFrame, usize)>, CloseCode> {
    let [first, second, ..] = *buffer else { return Ok(None) };
    let (fin, reserved, opcode) = (first & 0x80 != 0, first & 0x70, first & 0x0F);
    // No extension was negotiated, and clients must mask every frame.
    if reserved != 0 || second & 0x80 == 0 {
        return Err(CloseCode::ProtocolError);
    }
    let (length, length_bytes) = match second & 0x7F {
        126 => match buffer.get(2..4) {
            Some(bytes) => (u64::from(u16::from_be_bytes([bytes[0], bytes[1]])), 2),
            None => return Ok(None),
        },
        127 => match buffer.get(2..10).and_then(|bytes| <[u8; 8]>::try_from(bytes).ok()) {
            Some(bytes) => (u64::from_be_bytes(bytes), 8),
            None => return Ok(None),
        },
        short => (u64::from(short), 0),
    };
    let length = usize::try_from(length).ok().filter(|&length| length <= MAX_CLIENT_FRAME).ok_or(CloseCode::TooBig)?;
    let is_control = opcode & 0x8 != 0;
    if is_control && (!fin || length > 125) {
        return Err(CloseCode::ProtocolError);
    }
    let mask_at = 2 + length_bytes;
    let payload_at = mask_at + 4;
    let Some(payload) = buffer.get(payload_at..payload_at + length) else { return Ok(None) };
    let frame = match opcode {
        0x0..=0x2 => ClientFrame::Data,
        0x8 => ClientFrame::Close,
        0x9 => {
            let mask = &buffer[mask_at..payload_at];
            ClientFrame::Ping(payload.iter().enumerate().map(|(i, byte)| byte ^ mask[i % 4]).collect())
        }
        0xA => ClientFrame::Pong,
        _ => return Err(CloseCode::ProtocolError),
    };
    Ok(Some((frame, payload_at + length)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn masked(first: u8, payload: &[u8]) -> Vec<u8> {
        let mask = [0x37, 0xfa, 0x21, 0x3d];
        let mut frame = vec![first];
        match payload.len() {
            len @ 0..=125 => frame.push(0x80 | len as u8),
            len => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(len as u16).to_be_bytes());
            }
        }
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, byte)| byte ^ mask[i % 4]));
        frame
    }

    #[test]
    fn the_handshake_answer_is_the_one_in_rfc_6455() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONNECTION, HeaderValue::from_static("keep-alive, Upgrade"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(header::SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
        headers.insert(header::SEC_WEBSOCKET_KEY, HeaderValue::from_static("dGhlIHNhbXBsZSBub25jZQ=="));
        assert_eq!(accept_key(&Method::GET, &headers).as_deref(), Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        assert_eq!(accept_key(&Method::POST, &headers), None);
        headers.insert(header::SEC_WEBSOCKET_VERSION, HeaderValue::from_static("8"));
        assert_eq!(accept_key(&Method::GET, &headers), None);
    }

    #[test]
    fn server_frames_carry_their_length_in_the_shortest_form() {
        assert_eq!(&text_frame(b"hi")[..], &[0x81, 2, b'h', b'i']);
        let medium = text_frame(&[b'x'; 300]);
        assert_eq!(&medium[..4], &[0x81, 126, 0x01, 0x2c]);
        assert_eq!(medium.len(), 304);
        let large = text_frame(&vec![b'x'; 70_000]);
        assert_eq!(&large[..10], &[0x81, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
        assert_eq!(close_frame(CloseCode::TooBig), vec![0x88, 2, 0x03, 0xF1]);
    }

    #[test]
    fn a_ping_is_unmasked_and_the_bytes_it_took_are_counted() {
        let mut bytes = masked(0x89, b"hello");
        bytes.extend(masked(0x8A, b""));
        let (frame, used) = read_frame(&bytes).unwrap().unwrap();
        assert_eq!(frame, ClientFrame::Ping(b"hello".to_vec()));
        assert_eq!(read_frame(&bytes[used..]).unwrap().unwrap().0, ClientFrame::Pong);
    }

    #[test]
    fn an_incomplete_frame_waits_for_more_bytes() {
        let bytes = masked(0x81, &[b'a'; 200]);
        for end in 0..bytes.len() {
            assert_eq!(read_frame(&bytes[..end]), Ok(None), "{end} bytes");
        }
        assert_eq!(read_frame(&bytes), Ok(Some((ClientFrame::Data, bytes.len()))));
    }

    #[test]
    fn frames_that_break_the_protocol_are_refused() {
        let mut unmasked = masked(0x89, b"");
        unmasked[1] &= 0x7F;
        assert_eq!(read_frame(&unmasked), Err(CloseCode::ProtocolError));
        assert_eq!(read_frame(&masked(0xC1, b"x")), Err(CloseCode::ProtocolError), "reserved bit");
        assert_eq!(read_frame(&masked(0x09, b"x")), Err(CloseCode::ProtocolError), "fragmented ping");
        assert_eq!(read_frame(&masked(0x83, b"x")), Err(CloseCode::ProtocolError), "unknown opcode");
        assert_eq!(read_frame(&masked(0x88, &[0; 126])), Err(CloseCode::ProtocolError), "long close");
        let huge = [0x82, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 0];
        assert_eq!(read_frame(&huge), Err(CloseCode::TooBig));
        assert_eq!(read_frame(&masked(0x88, &[0x03, 0xE8])), Ok(Some((ClientFrame::Close, 8))));
    }
}

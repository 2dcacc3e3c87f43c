//! Connections accepted on a thread of their own.
//!
//! After a restart or a network blip every screen of every office reconnects
//! within a second. The kernel keeps at most `net.core.somaxconn` connections
//! waiting to be accepted (4,096 on Debian) and drops the connects past it,
//! which the clients send again only a second or more later. Accepted on the
//! server's runtime, behind the requests and handshakes queued there, 10,000
//! screens overflowed that queue by hundreds to thousands and took 1.3–4.2 s
//! to come back. Here a thread that does nothing else takes each connection
//! off the kernel's queue as it comes, and the connections wait for the
//! runtime in a queue of the server's own (`MOST_WAITING`).

use std::io::{self, ErrorKind};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use tokio::sync::mpsc;

/// Most connections accepted and not yet taken by the server; past it the
/// thread stops accepting and the kernel's queue fills, as without the
/// thread. Each holds an open file, which the kernel's queue did not: a
/// server allowed few files keeps fewer waiting (`waiting_within`).
const MOST_WAITING: usize = 16_384;

/// Connections that may wait for the server when it may open `open_files`
/// files: a quarter of them, so that a flood of connects leaves files for
/// the database, the screens and the notices.
pub fn waiting_within(open_files: u64) -> usize {
    usize::try_from(open_files / 4).unwrap_or(usize::MAX).clamp(64, MOST_WAITING)
}

/// The listening socket, accepted from by the `acceptor` thread; axum takes
/// the connections from it as from a `tokio::net::TcpListener`. The thread
/// ends, and the socket closes, when this is dropped (the server stopped).
pub struct Acceptor {
    accepted: mpsc::Receiver<(TcpStream, SocketAddr)>,
    address: SocketAddr,
}

impl Acceptor {
    /// Starts accepting on `listener` (a listening socket), keeping at most
    /// `waiting` connections for the server.
    pub fn start(listener: TcpListener, waiting: usize) -> io::Result<Self> {
        let address = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_io().enable_time().build()?;
        let listener = {
            let _in_runtime = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let (sender, accepted) = mpsc::channel(waiting.max(1));
        std::thread::Builder::new()
            .name("acceptor".into())
            .spawn(move || runtime.block_on(accept_until_closed(listener, sender)))?;
        Ok(Self { accepted, address })
    }

    /// Connections accepted and waiting for the server.
    #[cfg(test)]
    fn waiting(&self) -> usize {
        self.accepted.len()
    }
}

async fn accept_until_closed(listener: tokio::net::TcpListener, sender: mpsc::Sender<(TcpStream, SocketAddr)>) {
    loop {
        let accepted = tokio::select! {
            () = sender.closed() => return,
            // Handed over unregistered: the server's runtime watches it from now on.
            accepted = listener.accept() => accepted.and_then(|(stream, peer)| Ok((stream.into_std()?, peer))),
        };
        match accepted {
            Ok(connection) => {
                if sender.send(connection).await.is_err() {
                    return;
                }
            }
            // The client gave up before it was accepted.
            Err(error) if matches!(error.kind(), ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset) => {}
            Err(error) => {
                // Out of open files, most likely: connections end meanwhile.
                tracing::error!(%error, "could not accept a connection; trying again in a second");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

impl axum::serve::Listener for Acceptor {
    type Io = tokio::net::TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Some((stream, peer)) = self.accepted.recv().await else {
                // The thread is gone (it ends only once this is dropped,
                // unless it panicked): no connection comes any more.
                return std::future::pending().await;
            };
            match tokio::net::TcpStream::from_std(stream) {
                Ok(stream) => return (stream, peer),
                Err(error) => tracing::warn!(%error, "an accepted connection could not be served"),
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::serve::Listener;

    /// A socket whose kernel queue holds eight connections.
    fn listening_for_eight() -> TcpListener {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        socket.listen(8).unwrap().into_std().unwrap()
    }

    /// 100 clients connect one after another to a socket whose kernel queue
    /// holds eight, while the server takes none of them (its runtime busy):
    /// all are accepted, and wait for it. Accepted on the runtime, the ninth
    /// on would find the kernel's queue full.
    #[tokio::test]
    async fn connections_are_accepted_while_the_server_takes_none() {
        const CLIENTS: usize = 100;
        let mut acceptor = Acceptor::start(listening_for_eight(), 1024).unwrap();
        let address = acceptor.local_addr().unwrap();
        let connected = async {
            let mut clients = Vec::new();
            for _ in 0..CLIENTS {
                clients.push(tokio::net::TcpStream::connect(address).await.unwrap());
            }
            while acceptor.waiting() < CLIENTS {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            clients
        };
        let clients = tokio::time::timeout(Duration::from_secs(60), connected)
            .await
            .expect("every connection accepted before the server asked for one");
        let mut peers = std::collections::HashSet::new();
        for _ in 0..CLIENTS {
            let (stream, peer) = acceptor.accept().await;
            assert_eq!(stream.peer_addr().unwrap(), peer);
            peers.insert(peer);
        }
        let mine: std::collections::HashSet<_> = clients.iter().map(|client| client.local_addr().unwrap()).collect();
        assert_eq!(peers, mine);
    }

    #[test]
    fn a_server_allowed_few_files_keeps_fewer_connections_waiting() {
        assert_eq!(waiting_within(1_048_576), MOST_WAITING);
        assert_eq!(waiting_within(4_096), 1_024);
        assert_eq!(waiting_within(100), 64);
    }

    /// A stopped server's socket closes: connecting to it is refused.
    #[tokio::test]
    async fn the_socket_closes_when_the_server_stops() {
        let acceptor = Acceptor::start(listening_for_eight(), 1024).unwrap();
        let address = acceptor.local_addr().unwrap();
        drop(acceptor);
        loop {
            match tokio::net::TcpStream::connect(address).await {
                Err(error) if error.kind() == ErrorKind::ConnectionRefused => break,
                // Queued by the kernel before the socket closed, then reset.
                Ok(_) | Err(_) => tokio::task::yield_now().await,
            }
        }
    }
}

// Turns web push on or off for this browser on "Tiket saya". The subscription
// is made with the server's VAPID key and kept by the server for the signed-in
// citizen; the service worker (sw.js) shows what arrives.
const section = document.getElementById('push-settings');
const turnOn = document.getElementById('push-on');
const turnOff = document.getElementById('push-off');
const status = section?.querySelector('.push-status');

async function call(name, form) {
  const response = await fetch(`/api/${name}`, {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  if (!response.ok) throw new Error(`${name}: ${response.status}`);
  return response.json();
}

function show(state) {
  section.dataset.state = state;
  status.textContent = status.dataset[state] ?? '';
  turnOn.hidden = state === 'on';
  turnOff.hidden = state !== 'on';
}

function keyBytes(base64url) {
  const binary = atob(base64url.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

if (section && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window) {
  section.hidden = false;
  const registration = await navigator.serviceWorker.ready;
  const existing = await registration.pushManager.getSubscription();
  show(Notification.permission === 'denied' ? 'blocked' : existing ? 'on' : 'off');

  turnOn.addEventListener('click', async () => {
    try {
      if ((await Notification.requestPermission()) !== 'granted') return show('blocked');
      const key = await call('push_key', {});
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(key),
      });
      const { endpoint, keys } = subscription.toJSON();
      await call('save_push_subscription', { endpoint, p256dh: keys.p256dh, auth: keys.auth });
      show('on');
    } catch (error) {
      show('failed');
    }
  });

  turnOff.addEventListener('click', async () => {
    const subscription = await registration.pushManager.getSubscription();
    if (subscription) {
      await call('remove_push_subscription', { endpoint: subscription.endpoint }).catch(() => undefined);
      await subscription.unsubscribe();
    }
    show('off');
  });
}

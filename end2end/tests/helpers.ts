// Shared helpers: valid NIKs and booking through the server function over HTTP.
import type { APIRequestContext } from '@playwright/test';

/** A valid NIK (Bali, Denpasar) whose serial makes it unique. */
export function nik(serial: number): string {
  return `517101120190${String(serial).padStart(4, '0')}`;
}

export async function bookOverHttp(
  request: APIRequestContext,
  fields: { office: string; service: string; date: string; serial: number },
) {
  const response = await request.post('/api/book', {
    headers: { Accept: 'application/json' },
    form: {
      office: fields.office,
      service: fields.service,
      when: 'date',
      date: fields.date,
      nik: nik(fields.serial),
      name: 'Warga Uji',
      email: 'warga@contoh.id',
      phone: '081234567890',
    },
  });
  if (!response.ok()) throw new Error(`booking failed: ${response.status()} ${await response.text()}`);
  return response.json();
}

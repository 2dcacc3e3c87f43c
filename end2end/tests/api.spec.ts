// The read-only API as another system uses it: an admin makes a key on the
// office's "Kunci API" page (shown once), the OpenAPI document passes a real
// OpenAPI validator, and every answer the key gets matches its schema in
// that document; revoking the key on the page stops it at once.
import { expect, test, type APIRequestContext } from '@playwright/test';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { signInAsAdmin, waitForHydration } from './helpers';

type Document = {
  paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: object }> }> } }>;
  components: { schemas: Record<string, object> };
};

/** A validator of the schema `path` answers `status` with (a component of the document). */
function answerSchema(document: Document, path: string, status: string) {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  const schema = document.paths[path].get.responses[status].content['application/json'].schema as { $ref: string };
  const name = schema.$ref.replace('#/components/schemas/', '');
  return ajv.compile(document.components.schemas[name]);
}

async function getWith(request: APIRequestContext, path: string, key: string) {
  return request.get(path, { headers: { Authorization: `Bearer ${key}`, 'Accept-Language': 'en' } });
}

test('an admin makes an API key, the document is valid OpenAPI and every answer matches it', async ({
  page,
  request,
}) => {
  // The document, through a real validator (it throws on any error).
  const served = await request.get('/api/v1/openapi.json');
  expect(served.ok()).toBeTruthy();
  const raw = await served.json();
  await SwaggerParser.validate(structuredClone(raw));
  const document = raw as Document;

  // The key, made through the page and shown once.
  await signInAsAdmin(page);
  await page.goto('/admin/kantor/kantah-denpasar');
  await page.getByRole('link', { name: 'Kunci API' }).click();
  await expect(page).toHaveURL(/\/admin\/kunci-api\/kantah-denpasar$/);
  await waitForHydration(page);
  await page.getByLabel('Nama pemakai kunci').fill('Dasbor Pemprov Bali');
  await page.getByRole('button', { name: 'Buat kunci' }).click();
  const shown = page.getByTestId('api-key-value');
  await expect(shown).toHaveText(/^antrean_[0-9a-f]{64}$/);
  const key = (await shown.textContent()) ?? '';
  await page.reload();
  await expect(page.getByTestId('api-keys')).toContainText('Dasbor Pemprov Bali');
  expect(await page.content()).not.toContain(key);
  await expect(page.getByTestId('api-keys').locator('tbody tr').first()).toContainText(key.slice(0, 12));

  // Every route's answer against its schema.
  const office = '/api/v1/offices/kantah-denpasar';
  for (const [path, template] of [
    [office, '/api/v1/offices/{office}'],
    [`${office}/services`, '/api/v1/offices/{office}/services'],
    [`${office}/queue`, '/api/v1/offices/{office}/queue'],
    [`${office}/report?from=2026-11-16&until=2026-11-23`, '/api/v1/offices/{office}/report'],
  ]) {
    const answer = await getWith(request, path, key);
    expect(answer.status(), path).toBe(200);
    const validate = answerSchema(document, template, '200');
    const body = await answer.json();
    expect(validate(body), `${path}: ${JSON.stringify(validate.errors)}`).toBe(true);
  }

  // Refusals have their documented shape too.
  const foreign = await getWith(request, '/api/v1/offices/disdukcapil-bogor/queue', key);
  expect(foreign.status()).toBe(403);
  const refusal = answerSchema(document, '/api/v1/offices/{office}/queue', '403');
  expect(refusal(await foreign.json())).toBe(true);

  // Revoked on the page: the next request is refused.
  const row = page.getByTestId('api-keys').locator('tbody tr').filter({ hasText: 'Dasbor Pemprov Bali' });
  await row.getByRole('button', { name: 'Cabut' }).click();
  await expect(row.getByTestId('key-state')).toContainText('Dicabut');
  const revoked = await getWith(request, `${office}/queue`, key);
  expect(revoked.status()).toBe(401);
  expect(answerSchema(document, '/api/v1/offices/{office}/queue', '401')(await revoked.json())).toBe(true);
});

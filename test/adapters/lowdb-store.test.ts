/** The consent database on real files in a temp directory. */
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { DatabaseFileError, openLowdbStore } from '../../src/adapters/lowdb-store.js'
import type { ContactChange } from '../../src/ports/consent-store.js'
import { removeDir, tempDir } from '../support/chat.js'

const dirs: string[] = []
afterEach(() => dirs.splice(0).forEach(removeDir))
function dir() {
  const d = tempDir()
  dirs.push(d)
  return d
}

function change(id: string, recordId: string): ContactChange {
  const at = '2026-11-25T10:00:00.000Z'
  return {
    contact: { id, language: 'es', firstSeen: at, lastSeen: at, consents: { service: { state: 'given', at, record: recordId } } },
    conversation: { flowVersion: 'abc', snapshot: { value: 'askMarketing' }, updatedAt: at },
    records: [
      {
        id: recordId,
        schema: 'consent-record/1',
        contact: id,
        event: 'given',
        purposes: ['service'],
        notice: { policyVersion: 'v1', hash: 'h1', language: 'es' },
        collection: { method: 'whatsapp-chat', messageId: 'm1', text: 'sí' },
        at,
      },
    ],
    notices: { h1: { policyVersion: 'v1', language: 'es', text: 'Aviso' } },
  }
}

describe('lowdb consent store', () => {
  it('creates an empty, private database file on first start', async () => {
    const d = join(dir(), 'nested', 'data')
    const store = await openLowdbStore(d)
    await store.close()
    expect(JSON.parse(readFileSync(join(d, 'consent-db.json'), 'utf8'))).toEqual({ schemaVersion: 1, contacts: {}, conversations: {}, ledger: [], notices: {} })
    expect(statSync(d).mode & 0o777).toBe(0o700)
  })

  it('has a committed change on disk when commit resolves, and reads it back after reopening', async () => {
    const d = dir()
    const store = await openLowdbStore(d)
    await store.commit(change('5215512345678', 'r1'))
    const onDisk = JSON.parse(readFileSync(join(d, 'consent-db.json'), 'utf8'))
    expect(onDisk.ledger).toHaveLength(1)
    expect(onDisk.contacts['5215512345678'].consents.service.record).toBe('r1')
    await store.close()

    const reopened = await openLowdbStore(d)
    const loaded = await reopened.load('5215512345678')
    expect(loaded.contact?.consents.service?.state).toBe('given')
    expect(loaded.conversation?.snapshot).toEqual({ value: 'askMarketing' })
    await reopened.commit(change('5215512345678', 'r2'))
    // Append-only: the first record is still there.
    expect(reopened.data.ledger.map((r) => r.id)).toEqual(['r1', 'r2'])
    await reopened.close()
  })

  it('refuses a file that is not JSON and never overwrites it', async () => {
    const d = dir()
    const file = join(d, 'consent-db.json')
    writeFileSync(file, '{ "contacts": ')
    await expect(openLowdbStore(d)).rejects.toThrow(DatabaseFileError)
    await expect(openLowdbStore(d)).rejects.toThrow(/consent-db\.json: is not valid JSON/)
    expect(readFileSync(file, 'utf8')).toBe('{ "contacts": ')
  })

  it('refuses JSON of the wrong shape, naming what is missing', async () => {
    const d = dir()
    writeFileSync(join(d, 'consent-db.json'), JSON.stringify({ contacts: [] }))
    await expect(openLowdbStore(d)).rejects.toThrow(/does not look like a consent database/)
  })

  it('refuses a database written by another schema version', async () => {
    const d = dir()
    writeFileSync(join(d, 'consent-db.json'), JSON.stringify({ schemaVersion: 99, contacts: {}, conversations: {}, ledger: [], notices: {} }))
    await expect(openLowdbStore(d)).rejects.toThrow(/schema version 99/)
  })
})

/**
 * The conversation machine on its own: pure steps, effects described (not performed), and a
 * snapshot that survives a JSON round trip exactly as the store keeps it.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadBusinessFlow } from '../../src/adapters/flow-files/business-flow.js'
import {
  buildConversationMachine,
  expectedIntents,
  startConversation,
  stepConversation,
  type ConversationSnapshot,
} from '../../src/domain/conversation.js'
import type { Flow } from '../../src/domain/flow.js'
import { ROOT } from '../support/chat.js'

const { flow, policy } = loadBusinessFlow(join(ROOT, 'flows'))
const machine = buildConversationMachine(flow, policy)
const input = { language: 'es' as const, phone: '5215512345678', country: 'MX' as const }

function roundTrip(snapshot: ConversationSnapshot): ConversationSnapshot {
  return machine.resolveState(JSON.parse(JSON.stringify(machine.getPersistedSnapshot(snapshot))))
}

describe('the conversation machine', () => {
  it('starts by describing the greeting, the notice and the first question, and waits for yes/no/info', () => {
    const { snapshot, effects } = startConversation(machine, input)
    expect(effects).toEqual([
      // A new conversation: the contact is shown the current notice.
      { type: 'showTerms', changes: [] },
      { type: 'reply', key: 'greeting.hello' },
      { type: 'reply', key: 'notice.summary' },
      { type: 'reply', key: 'consent.service' },
    ])
    expect(snapshot.value).toBe('askService')
    expect(expectedIntents(snapshot)).toEqual(['yes', 'no', 'info'])
  })

  it('describes a consent record on yes, and nothing at all on an unclear answer', () => {
    const start = startConversation(machine, input).snapshot
    const unclear = stepConversation(machine, start, { type: 'answer', text: 'quizás' })
    expect(unclear.effects).toEqual([{ type: 'reply', key: 'consent.hint' }])
    expect(unclear.snapshot.value).toBe('askService')
    const yes = stepConversation(machine, unclear.snapshot, { type: 'answer', intent: 'yes', text: 'sí' })
    expect(yes.effects[0]).toEqual({ type: 'recordConsent', purpose: 'service', given: true })
    expect(yes.snapshot.value).toBe('askMarketing')
  })

  it('resumes from a snapshot restored from JSON, mid channel set-up', () => {
    let s = startConversation(machine, input).snapshot
    s = stepConversation(machine, s, { type: 'answer', intent: 'yes', text: 'sí' }).snapshot
    s = stepConversation(machine, s, { type: 'answer', intent: 'no', text: 'no' }).snapshot
    s = stepConversation(machine, s, { type: 'answer', intent: 'channel', channel: 'email', text: 'email' }).snapshot
    const restored = roundTrip(s)
    expect(restored.value).toEqual({ channelDetails: 'handle' })
    expect(restored.context.pending).toEqual({ channel: 'email' })
    const typed = stepConversation(machine, restored, { type: 'answer', text: 'Ana@Example.com' })
    expect(typed.effects).toEqual([{ type: 'reply', key: 'channel.confirm' }])
    const confirmed = stepConversation(machine, roundTrip(typed.snapshot), { type: 'answer', intent: 'yes', text: 'sí' })
    expect(confirmed.effects).toEqual([
      { type: 'setChannel', channel: 'email', handle: 'ana@example.com' },
      { type: 'reply', key: 'channel.saved' },
      { type: 'reply', key: 'thanks.summary' },
      { type: 'reply', key: 'human.received' },
      // The questions done, the chat goes to the staff (the first message with it).
      { type: 'handOver', reason: 'message' },
    ])
    expect(confirmed.snapshot.value).toBe('settled')
  })

  it('a command works at any step and, without a next step, repeats the open question', () => {
    const start = startConversation(machine, input).snapshot
    const help = stepConversation(machine, start, { type: 'command', command: 'help' })
    expect(help.effects).toEqual([{ type: 'reply', key: 'help.commands' }, { type: 'reprompt' }])
    expect(help.snapshot.context.prompt).toBe('consent.service')
    const english = stepConversation(machine, help.snapshot, { type: 'command', command: 'english' })
    expect(english.snapshot.context.language).toBe('en')
  })

  it('an answer leading back to its own step asks the question again', () => {
    const loop: Flow = {
      start: 'ask',
      startLine: 1,
      commands: {},
      media: { say: ['errors.textOnly'], line: 1 },
      steps: {
        ask: {
          kind: 'ask',
          id: 'ask',
          say: [],
          ask: 'consent.service',
          answers: {
            info: { say: ['notice.full'], next: 'ask', line: 3 },
            yes: { say: [], record: { purpose: 'service', given: true }, next: 'done', line: 4 },
          },
          unclear: { say: ['consent.hint'], line: 5 },
          line: 2,
        },
        done: { kind: 'rest', id: 'done', say: ['thanks.summary'], answers: {}, rest: 'ask', line: 6 },
      },
    }
    const m = buildConversationMachine(loop, policy)
    const start = startConversation(m, input).snapshot
    const info = stepConversation(m, start, { type: 'answer', intent: 'info', text: 'info' })
    expect(info.effects).toEqual([{ type: 'reply', key: 'notice.full' }, { type: 'reprompt' }])
  })
})

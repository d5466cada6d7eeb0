/**
 * The Graph API client against a fake Graph API on 127.0.0.1 that answers Meta's bodies: what a
 * send posts, which of Meta's errors are tried again (and how long it waits), which are not, and
 * that the access token goes nowhere but the Authorization header. Waits are injected: no sleeps.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createGraphClient, GraphError, type GraphClientOptions } from '../../../src/adapters/cloud/graph-client.js'
import type { TextBody } from '../../../src/adapters/cloud/payloads.js'
import { type FakeGraph, startFakeGraph } from '../../support/fake-graph.js'
import { type GraphAnswer, GRAPH_ERRORS } from '../../fixtures/cloud-api/graph.js'
import { BUSINESS } from '../../fixtures/cloud-api/webhooks.js'
import { ACCESS_TOKEN, recordingLogger } from './support.js'

const TO = '16505551234'
const body: TextBody = {
  messaging_product: 'whatsapp',
  recipient_type: 'individual',
  to: TO,
  type: 'text',
  text: { body: 'Hola', preview_url: false },
}

let graph: FakeGraph | undefined
afterEach(async () => {
  await graph?.close()
  graph = undefined
})

/** A client of the fake Graph API started by the test (or of nothing, when the test injects fetch). */
async function client(options: Partial<GraphClientOptions> = {}) {
  const logger = recordingLogger()
  const waits: number[] = []
  const send = createGraphClient({
    graphUrl: graph?.url ?? 'http://127.0.0.1:9/v23.0',
    phoneNumberId: BUSINESS.phoneNumberId,
    accessToken: ACCESS_TOKEN,
    logger,
    delay: async (ms) => void waits.push(ms),
    random: () => 0.5,
    ...options,
  })
  return { send: send.send, logger, waits }
}

/** The error a promise rejects with. */
async function failure(promise: Promise<unknown>): Promise<GraphError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(GraphError)
  return error as GraphError
}

describe('a send', () => {
  it('posts the JSON body to /<phone-number-id>/messages with the token as a Bearer token', async () => {
    graph = await startFakeGraph()
    const { send } = await client()
    const answer = await send(body)
    expect(answer.messages[0]!.id).toBe(graph.sends[0]!.wamid)
    expect(answer.contacts).toEqual([{ input: TO, wa_id: TO }])
    const [sent] = graph.sends
    expect(sent).toMatchObject({ phoneNumberId: BUSINESS.phoneNumberId, authorization: `Bearer ${ACCESS_TOKEN}`, body, recipient: TO })
    expect(sent!.headers['content-type']).toBe('application/json')
  })
})

describe('Meta’s errors', () => {
  it('a throughput limit (130429) is tried again after a backoff, then sent', async () => {
    graph = await startFakeGraph()
    graph.failNext(GRAPH_ERRORS[130429], { times: 2 })
    const { send, waits, logger } = await client()
    await send(body)
    expect(graph.sends.map((s) => s.status)).toEqual([400, 400, 200])
    // Half the ceiling plus random × half: 1 s then 2 s doubled, spread by random() = 0.5.
    expect(waits).toEqual([750, 1500])
    expect(logger.lines.filter((l) => l.event === 'cloud.send_retry').map((l) => l.fields)).toEqual([
      { code: 130429, status: 400, attempt: 1, inMs: 750 },
      { code: 130429, status: 400, attempt: 2, inMs: 1500 },
    ])
  })

  it('the pair rate limit (131056) waits at least Meta’s 6 seconds per person', async () => {
    graph = await startFakeGraph()
    graph.failNext(GRAPH_ERRORS[131056])
    const { send, waits } = await client()
    await send(body)
    expect(waits).toEqual([6000])
    expect(graph.sent()).toHaveLength(1)
  })

  it('the account rate limit (80007) and a server fault (5xx) are tried again too', async () => {
    graph = await startFakeGraph()
    graph.failNext({ status: 400, body: { error: { message: '(#80007) Rate limit issues', type: 'OAuthException', code: 80007 } } })
    graph.failNext(GRAPH_ERRORS[131000])
    const { send } = await client()
    await send(body)
    expect(graph.sends.map((s) => s.status)).toEqual([400, 500, 200])
  })

  it('gives up after four tries with the last error', async () => {
    graph = await startFakeGraph()
    graph.failNext(GRAPH_ERRORS[130429], { times: 10 })
    const { send, waits } = await client()
    const error = await failure(send(body))
    expect(graph.sends).toHaveLength(4)
    expect(waits).toHaveLength(3)
    expect(error).toMatchObject({ code: 130429, httpStatus: 400, title: 'Rate limit hit', retryable: true })
  })

  it.each([131047, 131049, 131048, 131026, 190] as const)(
    '%i is not tried again: thrown with Meta’s code, status and details',
    async (code) => {
      graph = await startFakeGraph()
      graph.failNext(GRAPH_ERRORS[code])
      const { send, waits } = await client()
      const error = await failure(send(body))
      expect(graph.sends).toHaveLength(1)
      expect(waits).toEqual([])
      const meta: GraphAnswer = GRAPH_ERRORS[code]
      expect(error).toMatchObject({
        code,
        httpStatus: meta.status,
        title: meta.body.error.message.replace(/^\(#\d+\) /, ''),
        subcode: meta.body.error.error_subcode,
        fbtraceId: meta.body.error.fbtrace_id,
        retryable: false,
      })
      expect(error.details).toBe(meta.body.error.error_data?.details)
      expect(error.message).toContain(String(code))
    },
  )

  it('an answer that is not Meta’s (a proxy’s 502 page) is a failure with its status, tried again', async () => {
    const answers = [
      new Response('<html>Bad gateway</html>', { status: 502 }),
      Response.json({ messaging_product: 'whatsapp', contacts: [], messages: [{ id: 'wamid.OK' }] }),
    ]
    const { send, waits } = await client({ fetch: async () => answers.shift()! })
    expect((await send(body)).messages[0]!.id).toBe('wamid.OK')
    expect(waits).toHaveLength(1)
  })

  it('a 200 without a message id is not a send, and not tried again', async () => {
    const { send } = await client({ fetch: async () => Response.json({ success: true }) })
    expect(await failure(send(body))).toMatchObject({ code: 0, httpStatus: 200, retryable: false })
  })
})

describe('no answer', () => {
  it('a refused connection is tried again, then reported without the URL', async () => {
    graph = await startFakeGraph()
    const closedUrl = graph.url
    await graph.close()
    const { send, waits } = await client({ graphUrl: closedUrl })
    const error = await failure(send(body))
    expect(waits).toHaveLength(3)
    expect(error).toMatchObject({ code: 0, httpStatus: undefined, title: 'network error ECONNREFUSED' })
    expect(error.message).not.toContain('127.0.0.1')
  })

  it('a request that takes too long is abandoned and tried again', async () => {
    let calls = 0
    const hanging: typeof fetch = (_url, init) => {
      calls += 1
      if (calls > 1)
        return Promise.resolve(Response.json({ messaging_product: 'whatsapp', contacts: [], messages: [{ id: 'wamid.LATE' }] }))
      return new Promise((_resolve, reject) => init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason)))
    }
    const { send, logger } = await client({ fetch: hanging, timeoutMs: 1 })
    expect((await send(body)).messages[0]!.id).toBe('wamid.LATE')
    expect(logger.lines.find((l) => l.event === 'cloud.send_retry')?.fields).toMatchObject({ code: 0, attempt: 1 })
  })

  it('stopping the bot ends a wait before the next try: nothing more is sent', async () => {
    graph = await startFakeGraph()
    graph.failNext(GRAPH_ERRORS[130429], { times: 10 })
    const stop = new AbortController()
    let waiting!: () => void
    const waited = new Promise<void>((resolve) => (waiting = resolve))
    const { send } = await client({
      signal: stop.signal,
      delay: () => {
        waiting()
        return new Promise(() => {})
      },
    })
    const sending = failure(send(body))
    await waited
    stop.abort()
    expect((await sending).title).toMatch(/stopping/)
    expect(graph.sends).toHaveLength(1)
    await expect(send(body)).rejects.toThrow(/stopping/)
    expect(graph.sends).toHaveLength(1)
  })
})

it('the access token is in no error and no log line', async () => {
  graph = await startFakeGraph()
  graph.failNext(GRAPH_ERRORS[130429])
  graph.failNext(GRAPH_ERRORS[190])
  const { send, logger } = await client()
  const error = await failure(send(body))
  expect(error.code).toBe(190)
  expect(`${error.message} ${JSON.stringify(error)} ${error.stack}`).not.toContain(ACCESS_TOKEN)
  expect(logger.text()).not.toContain(ACCESS_TOKEN)
  expect(logger.lines.length).toBeGreaterThan(0)
})

/**
 * A fake Graph API on 127.0.0.1 for the Cloud API adapter: it takes
 * `POST /<version>/<phone-number-id>/messages` as Meta does, records each one, and answers Meta's
 * success body with a fresh wamid, or an error body when told to (test/fixtures/cloud-api/graph.ts).
 *
 * @example
 * const graph = await startFakeGraph()
 * const cloud = createCloudWhatsApp({ settings: { ...settings, graphUrl: graph.url }, logger })
 * graph.failNext(GRAPH_ERRORS[130429])            // the next send is refused once, then sent
 * const [send] = await graph.waitForSends(1)
 * expect(send.body).toMatchObject({ type: 'text', to: '16505551234' })
 * await graph.close()
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { SendBody } from '../../src/adapters/cloud/payloads.js'
import { type GraphAnswer, sendResponse } from '../fixtures/cloud-api/graph.js'
import { wamid } from '../fixtures/cloud-api/webhooks.js'

export interface RecordedSend {
  /** The `{phone-number-id}` of the path. */
  phoneNumberId: string
  /** The Authorization header as sent (`Bearer <token>`). */
  authorization: string | undefined
  headers: IncomingHttpHeaders
  /** The JSON body, parsed. */
  body: SendBody
  /** Its `to` or, failing that, its `recipient`. */
  recipient: string | undefined
  /** The HTTP status answered. */
  status: number
  /** The wamid answered (success only). */
  wamid?: string
}

export interface FakeGraph {
  /** The base with its version, as the adapter's `graphUrl`: `http://127.0.0.1:<port>/v23.0`. */
  readonly url: string
  /** Every send, answered or refused, in arrival order. */
  readonly sends: RecordedSend[]
  /** The sends answered with success. */
  sent(): RecordedSend[]
  /** Answers the next `times` sends (default 1; only those to `recipient`, when given) with `answer`. */
  failNext(answer: GraphAnswer, options?: { times?: number; recipient?: string }): void
  /** Resolves once `count` sends in all have arrived (answered or not), with all of them. */
  waitForSends(count: number): Promise<RecordedSend[]>
  close(): Promise<void>
}

const NOT_FOUND = { error: { message: 'Unknown path components', type: 'OAuthException', code: 2500, fbtrace_id: 'FakeGraph' } }

export async function startFakeGraph(options: { version?: string } = {}): Promise<FakeGraph> {
  const version = options.version ?? 'v23.0'
  const sends: RecordedSend[] = []
  const failures: { answer: GraphAnswer; remaining: number; recipient?: string }[] = []
  const waiters: { count: number; resolve: (sends: RecordedSend[]) => void }[] = []
  const path = new RegExp(`^/${version.replace('.', '\\.')}/([^/]+)/messages$`)

  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const answer = (status: number, body: unknown) => {
      response.writeHead(status, { 'Content-Type': 'application/json' })
      response.end(JSON.stringify(body))
    }
    const match = path.exec(new URL(request.url ?? '/', 'http://localhost').pathname)
    if (request.method !== 'POST' || !match) return answer(404, NOT_FOUND)
    let body: SendBody
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      return answer(400, { error: { message: '(#100) Invalid parameter', type: 'OAuthException', code: 100, fbtrace_id: 'FakeGraph' } })
    }
    const recipient = body.to ?? body.recipient
    const failure = failures.find((f) => f.remaining > 0 && (f.recipient === undefined || f.recipient === recipient))
    const send: RecordedSend = {
      phoneNumberId: decodeURIComponent(match[1]!),
      authorization: request.headers.authorization,
      headers: request.headers,
      body,
      recipient,
      status: failure ? failure.answer.status : 200,
    }
    if (failure) failure.remaining -= 1
    else send.wamid = wamid()
    sends.push(send)
    for (const waiter of waiters.filter((w) => sends.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve([...sends])
    }
    if (failure) answer(failure.answer.status, failure.answer.body)
    else answer(200, sendResponse(recipient ?? '', send.wamid!))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}/${version}`,
    sends,
    sent: () => sends.filter((send) => send.status === 200),
    failNext(answer, { times = 1, recipient } = {}) {
      failures.push({ answer, remaining: times, ...(recipient !== undefined ? { recipient } : {}) })
    },
    waitForSends(count) {
      if (sends.length >= count) return Promise.resolve([...sends])
      return new Promise((resolve) => waiters.push({ count, resolve }))
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/**
 * The same conversation as a plain BuilderBot bot, built the way its starters build one: keyword
 * flows, `addAnswer` with `{ capture: true }` and a callback per question, state in `state`,
 * MemoryDB, raw texts in code. Greeting and notice, consent to the service and to marketing
 * (yes / no, anything else re-asked), channel choice, thanks with a summary.
 *
 * Importing @builderbot/bot opens core.class.log and queue.class.log in the working directory:
 * load this module only in a process whose working directory is a scratch folder.
 */
import { performance } from 'node:perf_hooks'
import { addKeyword, createBot, createFlow, EVENTS, MemoryDB } from '@builderbot/bot'
import type { BotContext, BotMethods } from '@builderbot/bot/dist/types.js'
import type { Target } from './load.js'
import { TimingProvider } from './timing-provider.js'

const GREETING = '¡Hola! Soy el asistente de Tienda Ejemplo.'
const NOTICE =
  'Antes de seguir, en pocas palabras: recogemos tu número de teléfono, tus mensajes y el canal que prefieras, ' +
  'para atender esta conversación y tus pedidos y, si aceptas, enviarte ofertas. Lo guardamos 2 años. ' +
  'Puedes retirar tu permiso cuando quieras escribiendo BAJA.'
const ASK_SERVICE = '¿Aceptas que usemos tus datos para atender esta conversación y tus pedidos? Responde sí o no.'
const SERVICE_REFUSED = 'De acuerdo: no usaremos tus datos para atenderte por WhatsApp.'
const ASK_MARKETING = '¿Aceptas que usemos tus datos para enviarte ofertas adaptadas a ti? Responde sí o no.'
const THANKS_MARKETING = '¡Gracias! Te enviaremos ofertas de vez en cuando.'
const NO_MARKETING = 'De acuerdo, no te enviaremos ofertas.'
const HINT = 'Perdona, no lo he entendido. Responde sí o no.'
const CHANNELS = ['WhatsApp', 'Telegram', 'Signal', 'LINE', 'SMS', 'Correo', 'Llamada']
const ASK_CHANNEL = `¿Por dónde prefieres que hablemos?\n${CHANNELS.map((c, i) => `${i + 1}. ${c}`).join('\n')}`
const CHANNEL_HINT = `Responde con un número del 1 al ${CHANNELS.length} o el nombre del canal.`

const plain = (text: string) =>
  text
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\p{L}\p{N} ]/gu, '')
    .trim()

function yesOrNo(text: string): 'yes' | 'no' | undefined {
  const word = plain(text)
  if (['si', 'acepto', 'vale', 'claro', 'ok'].includes(word)) return 'yes'
  if (['no', 'no acepto'].includes(word)) return 'no'
  return undefined
}

function channelOf(text: string): string | undefined {
  const word = plain(text)
  return CHANNELS[Number(word) - 1] ?? CHANNELS.find((c) => plain(c) === word)
}

async function chooseChannel(ctx: BotContext, { state, fallBack, flowDynamic }: BotMethods) {
  const channel = channelOf(ctx.body)
  if (!channel) return fallBack(CHANNEL_HINT)
  await state.update({ channel })
  const answers = state.getMyState() as { service?: string; marketing?: string }
  const said = (answer?: string) => (answer === 'yes' ? 'sí' : 'no')
  await flowDynamic([
    `Perfecto, seguimos por ${channel}.`,
    `Esto es lo que hemos guardado:\n• Atender esta conversación y tus pedidos: ${said(answers.service)}\n• Enviarte ofertas adaptadas a ti: ${said(answers.marketing)}\n• Canal preferido: ${channel}\n¡Gracias!`,
  ])
}

function buildFlow() {
  // A no to the service skips marketing and goes straight to the channel, as in our flow.
  const serviceRefusedFlow = addKeyword(EVENTS.ACTION).addAnswer(SERVICE_REFUSED).addAnswer(ASK_CHANNEL, { capture: true }, chooseChannel)
  const consentFlow = addKeyword(['hola', 'buenas', 'hello', 'hi'])
    .addAnswer(GREETING)
    .addAnswer(NOTICE)
    .addAnswer(ASK_SERVICE, { capture: true }, async (ctx, { state, fallBack, gotoFlow }) => {
      const answer = yesOrNo(ctx.body)
      if (!answer) return fallBack(HINT)
      await state.update({ service: answer })
      if (answer === 'no') return gotoFlow(serviceRefusedFlow)
    })
    .addAnswer(ASK_MARKETING, { capture: true }, async (ctx, { state, fallBack, flowDynamic }) => {
      const answer = yesOrNo(ctx.body)
      if (!answer) return fallBack(HINT)
      await state.update({ marketing: answer })
      await flowDynamic(answer === 'yes' ? THANKS_MARKETING : NO_MARKETING)
    })
    .addAnswer(ASK_CHANNEL, { capture: true }, chooseChannel)
  return createFlow([consentFlow, serviceRefusedFlow])
}

export interface PlainBot {
  target: Target
  database: MemoryDB
  coldStartMs: number
}

/** `quietMs`: BuilderBot has no "settled"; it has finished once its handlings resolved and no reply came for that long. */
export async function openPlainBuilderBot(quietMs: number): Promise<PlainBot> {
  const provider = new TimingProvider()
  const database = new MemoryDB()
  const started = performance.now()
  await createBot({ flow: buildFlow(), provider, database })
  const coldStartMs = performance.now() - started
  const target: Target = {
    provider,
    async settled() {
      for (;;) {
        while (provider.handling.size > 0) await Promise.allSettled([...provider.handling])
        const quietFor = performance.now() - provider.lastReplyAt
        if (quietFor >= quietMs && provider.handling.size === 0) return
        await new Promise((resolve) => setTimeout(resolve, Math.max(quietMs - quietFor, 1)))
      }
    },
    // The load generator shares this process: its CPU is counted with the bot's.
    cpu() {
      const { user, system } = process.cpuUsage()
      return { processMicros: user + system, mainThreadMicros: performance.eventLoopUtilization().active * 1000 }
    },
  }
  return { target, database, coldStartMs }
}

/**
 * Fills MemoryDB as if `users` contacts had already had this conversation: a copy of the
 * calibration contact's history per user. MemoryDB keeps every message in one array and scans
 * all of it for each message, so what it holds is what makes it slow at size.
 */
export function prefillHistory(database: MemoryDB, template: string, users: (i: number) => string, count: number): void {
  const history = database.listHistory as { from?: string }[]
  const entries = history.filter((entry) => entry.from === template)
  for (let i = 0; i < count; i++) {
    const from = users(i)
    for (const entry of entries) history.push({ ...entry, from })
  }
}

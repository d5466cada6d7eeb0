/**
 * The words of the dashboard's section on chats handed to a person, and of `npm run staff`.
 *
 * Why here and not in locales/<lang>/pages.json: that file is checked against the list of page
 * texts in src/ports/page-texts.ts (no other key may be there), which this section does not own.
 * The keys are named as they would be there (`dashboard.staff.*`, same `{{variables}}`), so moving
 * them is adding the keys to that list and these texts to both pages.json files.
 */
import type { Language } from '../../domain/language.js'

const TEXTS = {
  es: {
    'dashboard.staff.title': 'Chats que esperan a una persona',
    'dashboard.staff.note':
      'Del más antiguo al más reciente. Mientras el bot está en pausa en un chat, solo responde a sus comandos (baja, mis datos…); lo demás lo contesta tu equipo.',
    'dashboard.staff.empty': 'Ningún chat espera a una persona, y el bot no está en pausa en ninguno.',
    'dashboard.staff.waitingEmpty': 'Ningún chat espera a una persona.',
    'dashboard.staff.pausedTitle': 'Chats que atiende una persona',
    'dashboard.staff.pausedNote': 'El bot está en pausa en estos chats: nadie espera respuesta, alguien del equipo está escribiendo.',
    'dashboard.staff.handled': 'Chats que respondió tu equipo: {{recent}} en los últimos 30 días, {{all}} en total.',
    'dashboard.staff.columns.contact': 'Contacto',
    'dashboard.staff.columns.since': 'Espera desde',
    'dashboard.staff.columns.why': 'Por qué',
    'dashboard.staff.columns.message': 'Lo que escribió',
    'dashboard.staff.columns.bot': 'Bot',
    'dashboard.staff.columns.action': 'Acción',
    'dashboard.staff.columns.pausedUntil': 'En pausa hasta',
    'dashboard.staff.reason.asked': 'pidió hablar con una persona',
    'dashboard.staff.reason.message': 'escribió al equipo',
    'dashboard.staff.noMessage': 'no se guarda sin su consentimiento para el servicio',
    'dashboard.staff.answering': 'responde',
    'dashboard.staff.pausedUntil': 'en pausa hasta {{time}}',
    'dashboard.staff.pausedBy.asked': 'al pedir una persona',
    'dashboard.staff.pausedBy.phone': 'desde el teléfono',
    'dashboard.staff.pausedBy.dashboard': 'desde el panel',
    'dashboard.staff.pausedBy.cli': 'desde la línea de comandos',
    'dashboard.staff.pause': 'Pausar el bot',
    'dashboard.staff.resume': 'Reanudar el bot',
    'dashboard.staff.forContact': 'con {{contact}}',
  },
  en: {
    'dashboard.staff.title': 'Chats waiting for a person',
    'dashboard.staff.note':
      'Oldest first. While the bot is paused in a chat it answers only its commands (stop, my data…); your team answers the rest.',
    'dashboard.staff.empty': 'No chat is waiting for a person, and the bot is not paused in any.',
    'dashboard.staff.waitingEmpty': 'No chat is waiting for a person.',
    'dashboard.staff.pausedTitle': 'Chats a person is handling',
    'dashboard.staff.pausedNote': 'The bot is paused in these chats: nobody is waiting, someone on your team is writing.',
    'dashboard.staff.handled': 'Chats your team answered: {{recent}} in the last 30 days, {{all}} in all.',
    'dashboard.staff.columns.contact': 'Contact',
    'dashboard.staff.columns.since': 'Waiting since',
    'dashboard.staff.columns.why': 'Why',
    'dashboard.staff.columns.message': 'What they wrote',
    'dashboard.staff.columns.bot': 'Bot',
    'dashboard.staff.columns.action': 'Action',
    'dashboard.staff.columns.pausedUntil': 'Paused until',
    'dashboard.staff.reason.asked': 'asked for a person',
    'dashboard.staff.reason.message': 'wrote to the team',
    'dashboard.staff.noMessage': 'not kept without their consent to the service',
    'dashboard.staff.answering': 'answering',
    'dashboard.staff.pausedUntil': 'paused until {{time}}',
    'dashboard.staff.pausedBy.asked': 'when they asked for a person',
    'dashboard.staff.pausedBy.phone': 'from the phone',
    'dashboard.staff.pausedBy.dashboard': 'from the dashboard',
    'dashboard.staff.pausedBy.cli': 'from the command line',
    'dashboard.staff.pause': 'Pause the bot',
    'dashboard.staff.resume': 'Resume the bot',
    'dashboard.staff.forContact': 'for {{contact}}',
  },
} as const satisfies Record<Language, Record<string, string>>

export type StaffTextKey = keyof (typeof TEXTS)['es']

export type StaffText = (key: StaffTextKey, vars?: Record<string, string | number>) => string

/** The section's words in `language`, with `{{variables}}` filled in (the page escapes them). */
export function staffTexts(language: Language): StaffText {
  const texts: Record<StaffTextKey, string> = TEXTS[language]
  return (key, vars = {}) => texts[key].replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => String(vars[name] ?? whole))
}

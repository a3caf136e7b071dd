import type { Severity } from '../core/model.ts';

export interface MessageField {
  readonly label: string;
  readonly value: string;
  /** Short values that platforms may lay out side by side. */
  readonly inline?: boolean;
}

/**
 * What a message says, independent of any platform. Every string is plain text: platform renderers
 * escape all of it, so untrusted source text can never become markup or a mention.
 */
export interface MessageModel {
  readonly locale: string;
  readonly dir: 'ltr' | 'rtl';
  readonly severity: Severity;
  /** Our own words: service, severity, state. */
  readonly title: string;
  /** Untrusted: the incident's name from the source. */
  readonly headline?: string;
  /** Untrusted: the source's latest text, HTML already removed. */
  readonly body?: string;
  readonly fields: readonly MessageField[];
  readonly adviceTitle?: string;
  readonly advice: readonly string[];
  readonly link?: { readonly label: string; readonly url: string };
  readonly footer?: string;
  readonly image?: { readonly png: Buffer; readonly alt: string };
  /** Replaces the severity's icon before the title: a command error must not wear ✅. */
  readonly icon?: string;
}

export const SEVERITY_ICON: Record<Severity, string> = {
  none: '✅',
  maintenance: '🛠️',
  minor: '🟡',
  major: '🟠',
  critical: '🔴',
};

/** The mark before a message's title. */
export const titleIcon = (m: MessageModel): string => m.icon ?? SEVERITY_ICON[m.severity];

/** Command replies that report a mistake, and those that only inform. */
export const ERROR_ICON = '⚠️';
export const INFO_ICON = 'ℹ️';

/** The plain-text version of a message: for consoles, notifications and platform fallbacks. */
export const toPlainText = (m: MessageModel): string => {
  const lines = [`${titleIcon(m)} ${m.title}`];
  if (m.headline) lines.push(m.headline);
  if (m.body) lines.push('', m.body);
  if (m.fields.length) lines.push('', ...m.fields.map((f) => `${f.label}: ${f.value}`));
  if (m.advice.length) lines.push('', ...(m.adviceTitle ? [m.adviceTitle] : []), ...m.advice.map((a) => `• ${a}`));
  if (m.link) lines.push('', `${m.link.label}: ${m.link.url}`);
  if (m.footer) lines.push('', m.footer);
  return lines.join('\n');
};

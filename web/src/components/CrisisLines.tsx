// Crisis lines as links (call, text, a web address), shared by the crisis bar,
// "Get help now" and a questionnaire's result.
import { Fragment } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import type { Schemas } from '../api/client';
import { contactLinks, emergencyLink, type ContactLink } from '../app/contactLinks';

/** A link's words: "Call 116 123", "Text SHOUT to 85258", "findahelpline.com". */
export function useLinkLabel(): (link: ContactLink, short?: boolean) => string {
  const { t } = useTranslation();
  return (link, short = false) => {
    switch (link.kind) {
      case 'call':
        return t('crisis.call', { number: link.number });
      case 'text':
        return link.keyword && !short
          ? t('crisis.textWord', { word: link.keyword, number: link.number })
          : t('crisis.text', { number: link.number });
      case 'whatsapp':
        return t('crisis.whatsapp', { number: link.number });
      case 'web':
        return link.number;
    }
  };
}

export function ContactAnchor({ link, label }: { link: ContactLink; label: string }) {
  if (!link.href) return <span>{label}</span>;
  const web = link.kind === 'web';
  return (
    <a href={link.href} {...(web ? { target: '_blank', rel: 'noopener noreferrer' } : {})}>
      {label}
    </a>
  );
}

/** "If you are in immediate danger, call 112 now…", the number a phone link. */
export function EmergencyText({ number }: { number?: string | null }) {
  const { t } = useTranslation();
  const link = emergencyLink(number);
  if (!link) return <p>{t('crisis.bodyNoNumber')}</p>;
  return (
    <p>
      <Trans
        i18nKey="crisis.body"
        values={{ number: link.number }}
        components={{ phone: <a href={link.href} className="crisis-emergency-link" /> }}
      />
    </p>
  );
}

/** Every line with its links and hours; the contact as written where nothing in it is a link. */
export function CrisisLines({ resources }: { resources: Schemas['ResourceView'][] }) {
  const { t } = useTranslation();
  const label = useLinkLabel();
  if (resources.length === 0) return <p>{t('crisis.international')}</p>;
  return (
    <ul className="crisis-lines">
      {resources.map((r) => {
        const links = contactLinks(r.contact);
        return (
          <li key={r.name + r.contact}>
            <strong>{r.name}</strong>{' '}
            {links.length > 0
              ? links.map((l, i) => (
                  <Fragment key={`${l.kind}${l.number}`}>
                    {i > 0 && <span aria-hidden="true"> · </span>}
                    <ContactAnchor link={l} label={label(l)} />
                  </Fragment>
                ))
              : r.contact}
            {r.hours ? <span className="muted"> ({r.hours})</span> : null}
          </li>
        );
      })}
    </ul>
  );
}

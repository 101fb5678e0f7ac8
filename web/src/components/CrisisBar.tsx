// The crisis bar: while the person's crisis state is active, one line of
// links at the top of every signed-in screen ("Call 988 · Text 741741 ·
// Emergency 911"), opening to the full panel: every line with its hours, the
// emergency number, their safety plan, and that we are still here.
import { Fragment, useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { contactLinks, emergencyLink, type ContactLink } from '../app/contactLinks';
import { useCrisis, type CrisisView } from '../app/crisis';
import { useSafetyPlan } from '../app/safetyPlan';
import { useSession } from '../app/session';
import { ContactAnchor, CrisisLines, EmergencyText, useLinkLabel } from './CrisisLines';

/** The bar's links: the first way to reach each of the first two lines, and the emergency number. */
function barLinks(crisis: CrisisView): { lines: ContactLink[]; emergency: ContactLink | null } {
  const lines: ContactLink[] = [];
  for (const r of crisis.resources) {
    const first = contactLinks(r.contact).find((l) => l.href && !lines.some((o) => o.href === l.href));
    if (first) lines.push(first);
    if (lines.length === 2) break;
  }
  return { lines, emergency: emergencyLink(crisis.emergencyNumber) };
}

export function CrisisBar() {
  const crisis = useCrisis();
  if (!crisis.data?.active) return null;
  return <ActiveBar crisis={crisis.data} />;
}

function ActiveBar({ crisis }: { crisis: CrisisView }) {
  const { t } = useTranslation();
  const label = useLinkLabel();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const detailsId = useId();
  useBarHeight(ref);
  const { lines, emergency } = barLinks(crisis);
  const items = lines.map((link) => ({ link, label: label(link, true) }));
  if (emergency) items.push({ link: emergency, label: t('crisis.emergency', { number: emergency.number }) });

  function onKeyDown(e: KeyboardEvent) {
    if (e.key === 'Escape' && open) {
      setOpen(false);
      toggle.current?.focus();
    }
  }

  return (
    <section
      ref={ref}
      className="crisis-bar"
      aria-label={t('crisis.region')}
      data-testid="crisis-panel"
      onKeyDown={onKeyDown}
    >
      {/* Announced when the bar appears, wherever focus is. */}
      <p className="visually-hidden" role="alert">
        {t('crisis.announce')}
      </p>
      <div className="crisis-bar-row">
        <p className="crisis-bar-links">
          {items.map((item, i) => (
            <Fragment key={i}>
              <span className="crisis-bar-item">
                <ContactAnchor link={item.link} label={item.label} />
                {i < items.length - 1 && <span aria-hidden="true"> ·</span>}
              </span>{' '}
            </Fragment>
          ))}
        </p>
        <button
          ref={toggle}
          type="button"
          className="crisis-more"
          aria-expanded={open}
          aria-controls={detailsId}
          onClick={() => setOpen((o) => !o)}
        >
          {t('crisis.more')}
          <span aria-hidden="true">{open ? '▴' : '▾'}</span>
        </button>
      </div>
      {open && (
        <div id={detailsId} className="crisis-details">
          <Details crisis={crisis} />
        </div>
      )}
    </section>
  );
}

function Details({ crisis }: { crisis: CrisisView }) {
  const { t } = useTranslation();
  const { signedIn } = useSession();
  const plan = useSafetyPlan(signedIn);
  const p = plan.data;
  const planLines = p
    ? [
        ...(p.copingStrategies ?? []),
        ...(p.peopleToAsk ?? []).map((c) => (c.contact ? `${c.name}: ${c.contact}` : c.name)),
        ...(p.reasonsForLiving ?? []),
      ].slice(0, 5)
    : [];
  return (
    <>
      <h2>{t('crisis.title')}</h2>
      <EmergencyText number={crisis.emergencyNumber} />
      <CrisisLines resources={crisis.resources} />
      {planLines.length > 0 && (
        <>
          <h3>{t('crisis.planTitle')}</h3>
          <ul>
            {planLines.map((l) => (
              <li key={l}>{l}</li>
            ))}
          </ul>
        </>
      )}
      <p>
        <Link to="/safety-plan">{t('crisis.planLink')}</Link>
      </p>
      <p>{t('crisis.stay')}</p>
    </>
  );
}

/** Tells the page's CSS how tall the bar is (--crisis-h), for what sits below a sticky top: the phone menu, the chat. */
function useBarHeight(ref: RefObject<HTMLElement | null>) {
  useLayoutEffect(() => {
    const el = ref.current;
    const root = document.documentElement;
    if (!el) return;
    const measure = () => root.style.setProperty('--crisis-h', `${Math.round(el.getBoundingClientRect().height)}px`);
    measure();
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(measure);
    observer?.observe(el);
    return () => {
      observer?.disconnect();
      root.style.removeProperty('--crisis-h');
    };
  }, [ref]);
}

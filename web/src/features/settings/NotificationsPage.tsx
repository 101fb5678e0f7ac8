// /notifications: the inbox, newest first, with read state.
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Page } from '../../components/Page';
import { Loading, SaveStatus, useFormat } from './ui';

const PAGE = 30;

/**
 * Where a notification's link goes in the app, and what to call it. Insight
 * notifications point at `/insights/{id}`; the app shows insights at
 * `/insights`, with the week's card marked by `#insight-{id}`.
 */
export function notificationTarget(link?: string | null): { to: string; label: string } | null {
  if (!link || !link.startsWith('/') || link.startsWith('//')) return null;
  const insight = link.match(/^\/insights\/([\w-]+)$/);
  if (insight) return { to: `/insights#insight-${insight[1]}`, label: 'notifications.openInsight' };
  if (link.startsWith('/insights')) return { to: '/insights', label: 'notifications.openInsight' };
  if (link.startsWith('/mood')) return { to: link, label: 'notifications.openMood' };
  return { to: link, label: 'notifications.open' };
}

export function NotificationsPage() {
  const { t } = useTranslation('settings');
  const f = useFormat();
  const queries = useQueryClient();
  const inbox = useInfiniteQuery({
    queryKey: ['notifications', 'inbox'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET('/api/me/notifications', {
          params: { query: pageParam ? { limit: PAGE, before: pageParam } : { limit: PAGE } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const refresh = () => void queries.invalidateQueries({ queryKey: ['notifications'] });
  const markOne = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST('/api/me/notifications/{id}/read', { params: { path: { id } } })),
    onSuccess: refresh,
  });
  const markAll = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/me/notifications/read-all')),
    onSuccess: refresh,
  });

  const items: Schemas['NotificationView'][] = inbox.data?.pages.flatMap((p) => p.notifications) ?? [];
  const unread = inbox.data?.pages[0]?.unread ?? 0;

  return (
    <Page
      title={t('notifications.title')}
      actions={
        inbox.data && unread > 0 ? (
          <button type="button" onClick={() => markAll.mutate()} disabled={markAll.isPending}>
            {t('notifications.markAll')}
          </button>
        ) : undefined
      }
    >
      {inbox.isPending ? (
        <Loading />
      ) : inbox.data === undefined ? (
        <ErrorMessage error={inbox.error} />
      ) : (
        <>
          <p role="status" className="unread-count">
            {unread > 0 ? t('notifications.unread', { count: unread }) : t('notifications.allRead')}
          </p>
          <ErrorMessage error={markAll.error ?? markOne.error} />
          {items.length === 0 ? (
            <p>{t('notifications.empty')}</p>
          ) : (
            <ul className="plain-list" aria-label={t('notifications.title')}>
              {items.map((n) => {
                const target = notificationTarget(n.link);
                const isUnread = !n.readAt;
                return (
                  <li key={n.id} className={isUnread ? 'card notification unread' : 'card notification'}>
                    <h2 className="notification-title" id={`notification-${n.id}`} tabIndex={-1}>
                      {isUnread && <span className="badge">{t('notifications.new')}</span>} {n.title}
                    </h2>
                    <p>{n.body}</p>
                    <p className="hint">
                      <time dateTime={n.createdAt}>{f.dateTime(n.createdAt)}</time>
                    </p>
                    <div className="row">
                      {target && (
                        <Link
                          className="button"
                          to={target.to}
                          onClick={() => {
                            if (isUnread) markOne.mutate(n.id);
                          }}
                        >
                          {t(target.label)}
                        </Link>
                      )}
                      {isUnread && (
                        <button
                          type="button"
                          onClick={() => {
                            markOne.mutate(n.id);
                            // The button goes once it is read: keep the keyboard on this notification.
                            document.getElementById(`notification-${n.id}`)?.focus();
                          }}
                        >
                          {t('notifications.markRead')}
                          <span className="visually-hidden">: {n.title}</span>
                        </button>
                      )}
                    </div>
                  </li>
                );
              })}
            </ul>
          )}
          {inbox.isFetchNextPageError && <ErrorMessage error={inbox.error} />}
          {inbox.hasNextPage && (
            <div className="row">
              <button type="button" onClick={() => void inbox.fetchNextPage()} disabled={inbox.isFetchingNextPage}>
                {inbox.isFetchingNextPage ? t('common:loading') : t('notifications.older')}
              </button>
            </div>
          )}
          <SaveStatus saved={markAll.isSuccess} text={t('notifications.allMarked')} />
        </>
      )}
    </Page>
  );
}

// Query keys and the reads the wellbeing screens share. Every write
// invalidates the prefix it touches (e.g. ['moods'] covers lists and trends).
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

export const keys = {
  moods: ['moods'] as const,
  moodList: (range: string) => ['moods', 'list', range] as const,
  trends: (range: string, bucket: string) => ['moods', 'trends', range, bucket] as const,
  engagement: ['engagement'] as const,
  goals: ['goals'] as const,
  goal: (id: string) => ['goals', 'one', id] as const,
  instruments: ['questionnaires', 'instruments'] as const,
  questionnaireHistory: ['questionnaires', 'history'] as const,
  insights: ['insights'] as const,
};

export function useMoodList(range: string) {
  return useQuery({
    queryKey: keys.moodList(range),
    queryFn: async () => unwrap(await api.GET('/api/me/moods', { params: { query: { range } } })),
  });
}

export function useEngagement() {
  return useQuery({
    queryKey: [...keys.engagement, '30d'],
    queryFn: async () => unwrap(await api.GET('/api/me/engagement', { params: { query: { range: '30d' } } })),
  });
}

/** Comma-separated tags as a list: trimmed, without blanks or repeats (ignoring case). */
export function parseTags(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(',')) {
    const tag = raw.trim();
    if (tag && !out.some((o) => o.toLowerCase() === tag.toLowerCase())) out.push(tag);
  }
  return out;
}

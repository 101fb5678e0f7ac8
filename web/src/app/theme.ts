export type Theme = 'system' | 'light' | 'dark';

export function savedTheme(): Theme {
  const t = localStorage.getItem('rebloom.theme');
  return t === 'light' || t === 'dark' ? t : 'system';
}

export function applyTheme(theme: Theme): void {
  if (theme === 'system') {
    delete document.documentElement.dataset.theme;
    localStorage.removeItem('rebloom.theme');
  } else {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('rebloom.theme', theme);
  }
}

/** Credentials never leave poshil: database URLs and webhook secrets are masked wherever text is shown. */

/** The text with passwords in URLs and `password=` settings replaced by ***. */
export function maskSecret(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@\s/]*@/gi, '$1***@')
    .replace(/\b((?:ssl)?password\s*=\s*)('[^']*'|[^\s&]+)/gi, '$1***');
}

/** user@host:port/database of a PostgreSQL URL, without its password. */
export function describeDatabase(url: string): string {
  try {
    const u = new URL(url);
    return `${decodeURIComponent(u.username) || '(default user)'}@${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname && u.pathname !== '/' ? u.pathname : '/postgres'}`;
  } catch {
    return maskSecret(url);
  }
}

export * from './page-renderer';
export { PAGE_KINDS, formActionSource } from './page-security';
export type { PageKind, PageHeaderOptions } from './page-security';
export { PagesSettings } from './pages.settings';
export { MESSAGES, negotiateLang } from './messages';
export type { Messages } from './messages';
export { escapeHtml } from './template';

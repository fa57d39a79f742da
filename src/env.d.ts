/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    session: import('./lib/auth/session').ValidSession | null;
    t: import('./i18n/index').Translator;
    locale: import('./i18n/index').Locale;
  }
}

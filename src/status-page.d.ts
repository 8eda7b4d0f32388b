// The status page, made by esbuild.config.mjs from status-page/ (its
// browser script inline): the HTML before and after the JSON endpoint's
// URL (a <meta> attribute value), and the script's SHA-256 in base64 for
// the Content-Security-Policy.
declare module 'ipng-status-page' {
  export const STATUS_PAGE_HEAD: string;
  export const STATUS_PAGE_TAIL: string;
  export const STATUS_PAGE_SCRIPT_SHA256: string;
}

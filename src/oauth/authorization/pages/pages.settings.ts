import { IsOptional, IsString, MinLength } from 'class-validator';

/** `[login]` keys read by the sign-in pages. */
export class PagesSettings {
  /**
   * Folder of HTML templates that replace the built-in pages (`login.html`, `consent.html`,
   * `select-account.html`, `error.html`, `logout.html`, `logged-out.html`, `form-post.html`);
   * a missing file keeps the built-in page. Relative to the config file's directory; the
   * renderer receives it resolved to an absolute path.
   */
  @IsOptional() @IsString() @MinLength(1) templates_dir?: string;
}

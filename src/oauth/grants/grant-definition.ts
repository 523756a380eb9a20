import type { Type } from '@nestjs/common';
import { GrantTypeSettings } from '../../config/config.schema';
import type { GrantHandler } from '../core/extension-points';

/**
 * What a built-in grant declares about itself, in its own folder: the TOML table that
 * configures it, the grant type it serves, the class its table is validated with (and
 * injected as), and the WSO2 class names that mean "this built-in" in a WSO2 file.
 */
export interface GrantDefinition<S extends GrantTypeSettings = GrantTypeSettings> {
  /** `[oauth.grant_type.<id>]` */
  id: string;
  grantType: string;
  settings: Type<S>;
  wso2ClassNames?: readonly string[];
}

export interface BuiltInGrant {
  definition: GrantDefinition;
  handler: Type<GrantHandler>;
}

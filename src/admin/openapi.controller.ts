import { Controller, Get } from '@nestjs/common';
import { OPENAPI_DOCUMENT } from './openapi.document';

/** Public: the document describes the API, it grants nothing. */
@Controller('api/admin/v1/openapi.json')
export class OpenApiController {
  @Get()
  document(): typeof OPENAPI_DOCUMENT {
    return OPENAPI_DOCUMENT;
  }
}

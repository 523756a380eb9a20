import { Module } from '@nestjs/common';
import { OutboundFetcher } from './outbound-fetcher';

@Module({ providers: [OutboundFetcher], exports: [OutboundFetcher] })
export class OutboundModule {}

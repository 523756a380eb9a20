import { Global, Injectable, Module, OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DatabaseSettings } from '../config/config.schema';
import { AtomicWriter } from './atomic-writer';
import { dataSourceOptions } from './data-source-options';
import { runMigrations } from './migrator';

/** Applies migrations at start-up (unless `[database] migrate = false`, which only checks). */
@Injectable()
export class DatabaseMigrator implements OnModuleInit {
  /** Names of the migrations this start applied. */
  applied: string[] = [];

  constructor(private readonly dataSource: DataSource, private readonly settings: DatabaseSettings) {}

  async onModuleInit(): Promise<void> {
    if (this.settings.migrate) {
      this.applied = await runMigrations(this.dataSource, this.settings.schema);
    } else if (await this.dataSource.showMigrations()) {
      throw new Error('the database has pending migrations and [database] migrate = false: run `grantry migrate`');
    }
  }
}

/** Global: every module that ends a request with an atomic write shares the one writer (and SQLite group commit). */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [DatabaseSettings],
      useFactory: (settings: DatabaseSettings) => ({
        ...dataSourceOptions(settings),
        autoLoadEntities: true,
        retryAttempts: 3,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [DatabaseMigrator, AtomicWriter],
  exports: [DatabaseMigrator, AtomicWriter],
})
export class DatabaseModule {}

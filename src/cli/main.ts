#!/usr/bin/env node
/**
 * @module
 * The `dyi` command line: one subcommand per file in this folder.
 */
import { Command } from 'commander';
import { reportError } from './cli-context.js';
import { communityCommand } from './community-command.js';
import { downloadCommand } from './download-command.js';
import { exportCommand } from './export-command.js';
import { importCommand } from './import-command.js';
import { integrationCommand } from './integration-command.js';
import { listCommand } from './list-command.js';
import { seedCommand } from './seed-command.js';
import { serveCommand } from './serve-command.js';
import { tokenCommand } from './token-command.js';
import { workerCommand } from './worker-command.js';

const program = new Command('dyi')
  .description('dyi-export: self-hosted DYI Export API (Graph-compatible server and tools)')
  .showHelpAfterError()
  .addCommand(serveCommand())
  .addCommand(communityCommand())
  .addCommand(integrationCommand())
  .addCommand(tokenCommand())
  .addCommand(exportCommand())
  .addCommand(importCommand())
  .addCommand(seedCommand())
  .addCommand(workerCommand())
  .addCommand(listCommand())
  .addCommand(downloadCommand());

program.parseAsync(process.argv).catch(reportError);

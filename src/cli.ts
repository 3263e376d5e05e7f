import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadEnvConfig, StartupError } from './config.ts';
import { createDb } from './db/connection.ts';
import { migrateToLatest } from './db/migrator.ts';
import { openRuntime } from './runtime.ts';
import { generatePassword } from './auth/passwords.ts';
import { deriveKeys } from './crypto/tokens.ts';
import { createOrganizationWithOwner } from './orgs/service.ts';
import { resetPassword } from './accounts/service.ts';
import { DomainError } from './errors.ts';

const USAGE = `Quorum operator commands (uses DATABASE_URL, or the embedded database in DATA_DIR):

  migrate
      Apply pending migrations.
  create-org --slug acme --name "Acme Ltd" --owner-email hr@acme.example [--min-group-size 5]
      Create an organization and its first owner; prints the owner's generated password once.
  reset-password --org acme --email hr@acme.example
      Set a new generated password for an account, end its sessions and lift its login lockout.
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseOptions({
    args: rest,
    options: {
      slug: { type: 'string' },
      name: { type: 'string' },
      'owner-email': { type: 'string' },
      'min-group-size': { type: 'string' },
      org: { type: 'string' },
      email: { type: 'string' },
    },
  });
  if (!command || !['migrate', 'create-org', 'reset-password'].includes(command)) {
    process.stdout.write(USAGE);
    process.exitCode = command ? 2 : 0;
    return;
  }

  const env = loadEnvConfig();
  const runtime = await openRuntime(env);
  const db = createDb({ connectionString: runtime.config.databaseUrl, max: 2 });
  try {
    const applied = await migrateToLatest(db);
    if (command === 'migrate') {
      process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    } else if (command === 'create-org') {
      const slug = required(values.slug, '--slug');
      const password = generatePassword();
      const minGroupSize = values['min-group-size'] ? Number(values['min-group-size']) : runtime.config.minGroupSize;
      if (!Number.isInteger(minGroupSize) || minGroupSize < 3)
        throw new UsageError('--min-group-size must be an integer of at least 3');
      const { org, owner } = await createOrganizationWithOwner(db, {
        slug,
        name: values.name ?? slug,
        minGroupSize,
        ownerEmail: required(values['owner-email'], '--owner-email'),
        ownerPassword: password,
      });
      process.stdout.write(
        `organization ${org.slug} (${org.id}) created, k = ${org.min_group_size}\nowner ${owner.email}\npassword ${password}   (shown once)\n`,
      );
    } else {
      const password = generatePassword();
      await resetPassword(
        db,
        deriveKeys(runtime.config.tokenPepper),
        required(values.org, '--org'),
        required(values.email, '--email'),
        password,
      );
      process.stdout.write(`new password ${password}   (shown once; all sessions of the account ended)\n`);
    }
  } finally {
    await db.destroy();
    await runtime.stop();
  }
}

class UsageError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    // node:util reports a bad flag as a TypeError whose stack says nothing useful; exit 2 as
    // getopt-style tools do for wrong arguments.
    const { code, message } = error as NodeJS.ErrnoException;
    if (!code?.startsWith('ERR_PARSE_ARGS_')) throw error;
    const flag = /'([^']+)'/.exec(message)?.[1];
    const line = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag ? `unknown option ${flag}` : message.split('. ')[0]!;
    throw new UsageError(`quorum: ${line}\n\n${USAGE}`, 2);
  }
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new UsageError(`${flag} is required\n\n${USAGE}`);
  return value;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const known = error instanceof StartupError || error instanceof UsageError || error instanceof DomainError;
  process.stderr.write(
    `${known ? (error as Error).message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(error instanceof UsageError ? error.exitCode : 1);
});

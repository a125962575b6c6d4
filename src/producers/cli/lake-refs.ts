import { Command } from 'commander';
import type { Lakehouse, RefInfo } from '../../shared/lakehouse/lakehouse.js';
import { withLakehouse } from './context.js';
import { formatTable } from './output.js';

type RefKind = 'branch' | 'tag';

interface RefOps {
  readonly summary: string;
  readonly createHelp: string;
  readonly deleteHelp: string;
  create(lake: Lakehouse, name: string, from: string): Promise<RefInfo>;
  remove(lake: Lakehouse, name: string, ifExists: boolean): Promise<boolean>;
  list(lake: Lakehouse, prefix?: string): Promise<RefInfo[]>;
}

const OPS: Record<RefKind, RefOps> = {
  branch: {
    summary: 'create, delete and list branches',
    createHelp: 'create a branch (O(1): no data is copied)',
    deleteHelp: 'delete a branch (its data stays reachable from other refs)',
    create: (lake, name, from) => lake.createBranch(name, { from }),
    remove: (lake, name, ifExists) => lake.deleteBranch(name, { ifExists }),
    list: (lake, prefix) => lake.listBranches(prefix === undefined ? {} : { prefix }),
  },
  tag: {
    summary: 'create, delete and list tags (named commits that never move)',
    createHelp: 'tag a commit',
    deleteHelp: 'delete a tag',
    create: (lake, name, from) => lake.createTag(name, { from }),
    remove: (lake, name, ifExists) => lake.deleteTag(name, { ifExists }),
    list: (lake, prefix) => lake.listTags(prefix === undefined ? {} : { prefix }),
  },
};

/** `lake branch ...` and `lake tag ...`: the same three commands over either kind of ref. */
export function refCommands(kind: RefKind): Command {
  const ops = OPS[kind];
  const group = new Command(kind).description(ops.summary);
  group
    .command('create <name>')
    .description(ops.createHelp)
    .option('--from <ref>', 'branch, tag, name@commit or @commit to start from', 'main')
    .action(async (name: string, options: { from: string }, command: Command) =>
      withLakehouse(command, async (lake, { out }) => {
        const ref = await ops.create(lake, name, options.from);
        out.result(ref, () => `created ${kind} ${ref.name} at ${ref.commit}`);
      }),
    );
  group
    .command('delete <name>')
    .description(ops.deleteHelp)
    .option('--if-exists', `succeed when the ${kind} does not exist`)
    .action(async (name: string, options: { ifExists?: boolean }, command: Command) =>
      withLakehouse(command, async (lake, { out }) => {
        const deleted = await ops.remove(lake, name, options.ifExists === true);
        out.result({ name, deleted }, () => (deleted ? `deleted ${kind} ${name}` : `${kind} ${name} did not exist`));
      }),
    );
  group
    .command('list')
    .description(`list ${kind === 'branch' ? 'branches' : 'tags'}`)
    .option('--prefix <prefix>', `only ${kind === 'branch' ? 'branches' : 'tags'} whose name starts with this`)
    .action(async (options: { prefix?: string }, command: Command) =>
      withLakehouse(command, async (lake, { out }) => {
        const refs = await ops.list(lake, options.prefix);
        out.result(refs, () => formatTable(refs.map((r) => ({ [kind]: r.name, commit: r.commit })), [kind, 'commit']));
      }),
    );
  return group;
}

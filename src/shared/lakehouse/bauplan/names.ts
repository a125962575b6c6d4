import { parseRefSpec, validateRefName } from '../names.js';

/**
 * Bauplan lets a user create only branches named `<username>.<name>`. Floodgate keeps its own
 * names (`wap/taxi.trips/r-1`) and this maps them: `main` stays `main`, a name that already
 * carries the user's prefix is kept, anything else gains it.
 */
export class BauplanNames {
  readonly username: string;
  private readonly prefix: string;
  readonly mainBranch: string;

  constructor(username: string, mainBranch = 'main') {
    this.username = username;
    this.prefix = `${username}.`;
    this.mainBranch = mainBranch;
  }

  /** Floodgate branch name → Bauplan branch name. */
  branch(name: string): string {
    validateRefName(name);
    if (name === this.mainBranch || name.startsWith(this.prefix)) return name;
    return `${this.prefix}${name}`;
  }

  /** Bauplan branch name → the name Floodgate uses (the prefix dropped). */
  local(remote: string): string {
    return remote.startsWith(this.prefix) ? remote.slice(this.prefix.length) : remote;
  }

  /** A ref spec (`branch`, `tag`, `name@commit`, `@commit`) in Bauplan's terms; tags keep their names. */
  ref(spec: string, kind: 'branch' | 'tag' = 'branch'): string {
    const parsed = parseRefSpec(spec);
    const name = parsed.name === undefined ? '' : kind === 'tag' ? parsed.name : this.branch(parsed.name);
    return parsed.commit === undefined ? name : `${name}@${parsed.commit}`;
  }
}

/** Ansible's tag selection: --tags / --skip-tags with all, always, never, tagged, untagged. */
import { type Play, type Task, blockChain } from '../playbook/model.js';
import { pyStr } from '../python/values.js';

export interface TagFilter {
  /** --tags (empty: all). */
  only: string[];
  /** --skip-tags. */
  skip: string[];
}

function tagList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.flatMap((v) => pyStr(v).split(',')).map((t) => t.trim()).filter(Boolean);
}

/** A node's tags after its outer ones (play, role entry, blocks): outer first, each once, as --list-tasks shows them. */
export function withOwnTags(outer: readonly string[], own: unknown): string[] {
  return [...new Set([...outer, ...tagList(own)])];
}

/** A task's tags: the play's, its blocks' (which include role entries and imports) and its includes' blocks', and its own. */
export function effectiveTags(task: Task, play: Play): string[] {
  const includes: Task[] = [];
  for (let inc = task.includedFrom; inc; inc = inc.includedFrom) includes.unshift(inc);
  let tags = withOwnTags([], play.keywords['tags']);
  for (const node of [...includes, task]) for (const block of blockChain(node)) tags = withOwnTags(tags, block.keywords['tags']);
  return withOwnTags(tags, task.keywords['tags']);
}

export function selectedByTags(task: Task, play: Play, filter: TagFilter): boolean {
  const tags = effectiveTags(task, play);
  const only = filter.only.length ? filter.only : ['all'];
  const skip = filter.skip;
  let run = false;
  if (tags.includes('always') && !skip.includes('always')) run = true;
  else if (only.includes('all')) run = !tags.includes('never');
  else if (only.includes('tagged') && tags.some((t) => t !== 'never')) run = true;
  else if (only.includes('untagged') && (tags.length === 0 || (tags.length === 1 && tags[0] === 'always'))) run = true;
  else if (tags.some((t) => only.includes(t))) run = true;
  if (tags.includes('always') && only.includes('never')) run = true;
  if (!run) return false;
  if (skip.length) {
    if (tags.some((t) => skip.includes(t) && t !== 'always')) return false;
    if (skip.includes('always') && tags.includes('always')) return false;
    if (skip.includes('tagged') && tags.length > 0) return false;
    if (skip.includes('untagged') && tags.length === 0) return false;
    if (skip.includes('all') && !tags.includes('always')) return false;
  }
  return true;
}

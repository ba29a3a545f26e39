// A small syntax highlighter: splits code into comment, string, number, keyword and call tokens with one
// regular expression per language family and returns text nodes and <span class="tok-*"> — never HTML.
import { h } from './dom.js';

const KEYWORDS = new Set(('abstract and as async await break case catch class const continue def default del do elif else '
  + 'enum export extends false final finally fn for from func function go if impl import in instanceof interface is '
  + 'lambda let loop match mod mut new nil none not null or package pass private protected pub public raise record return '
  + 'self static struct super switch this throw throws trait true try type typeof undefined use var void while with '
  + 'yield True False None echo then fi esac done local select where insert update delete create table into values').split(' '));

const HASH_COMMENTS = new Set(['py', 'python', 'sh', 'bash', 'shell', 'zsh', 'yaml', 'yml', 'toml', 'ruby', 'rb', 'r', 'perl', 'dockerfile', 'makefile', 'conf', 'ini']);
const SQL = new Set(['sql', 'psql', 'mysql', 'sqlite']);

function pattern(lang) {
  const comment = HASH_COMMENTS.has(lang) ? '#[^\\n]*' : SQL.has(lang) ? '--[^\\n]*' : lang === 'json' ? '(?!)' : '\\/\\/[^\\n]*|\\/\\*[\\s\\S]*?\\*\\/';
  return new RegExp('(' + comment + ')'
    + '|("(?:[^"\\\\\\n]|\\\\.)*"|\'(?:[^\'\\\\\\n]|\\\\.)*\'|`(?:[^`\\\\]|\\\\.)*`)'
    + '|(\\b(?:0x[0-9a-fA-F]+|\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)\\b)'
    + '|([A-Za-z_$][\\w$]*)(?=\\s*\\()?', 'g');
}

/** Highlighted code as a DocumentFragment. */
export function highlight(code, lang) {
  const frag = document.createDocumentFragment();
  const l = (lang || '').toLowerCase();
  if (!l || l === 'text' || l === 'plain' || code.length > 100_000) { frag.append(code); return frag; }
  const re = pattern(l);
  let last = 0;
  let m;
  while ((m = re.exec(code)) !== null) {
    if (m[0] === '') { re.lastIndex++; continue; }
    let cls = null;
    if (m[1]) cls = 'tok-com';
    else if (m[2]) cls = 'tok-str';
    else if (m[3]) cls = 'tok-num';
    else if (m[4]) {
      if (KEYWORDS.has(m[4]) || (SQL.has(l) && KEYWORDS.has(m[4].toLowerCase()))) cls = 'tok-kw';
      else if (code.slice(re.lastIndex).match(/^\s*\(/)) cls = 'tok-fn';
    }
    if (!cls) continue;
    if (m.index > last) frag.append(code.slice(last, m.index));
    frag.append(h('span', { class: cls }, m[0]));
    last = m.index + m[0].length;
  }
  if (last < code.length) frag.append(code.slice(last));
  return frag;
}

/** Text with its web addresses as links: pieces in order, each plain text or an https URL. */
export type TextPiece = { text: string; href?: string };

const URL_PATTERN = /https:\/\/[^\s)`'"]+[^\s)`'".,;:]/g;

export function linkify(text: string): TextPiece[] {
  const pieces: TextPiece[] = [];
  let at = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    if (match.index > at) pieces.push({ text: text.slice(at, match.index) });
    pieces.push({ text: match[0], href: match[0] });
    at = match.index + match[0].length;
  }
  if (at < text.length) pieces.push({ text: text.slice(at) });
  return pieces;
}

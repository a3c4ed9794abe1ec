/* Safe Markdown for model and document text: builds DOM nodes with textContent only, so
   no HTML or script from a model or a document can ever run. Supports paragraphs, lists,
   **bold**, *italic*, `code` and [links](https://…) with http(s) and mailto targets. */

const INLINE = /(\*\*([^*]+)\*\*|`([^`]+)`|\*([^*\s][^*]*)\*|_([^_\s][^_]*)_|\[([^\]]+)\]\(([^)\s]+)\))/;
const SAFE_URL = /^(https?:\/\/|mailto:)/i;

export function safeHref(url) {
  try {
    const parsed = new URL(url, "https://invalid.example");
    return SAFE_URL.test(url) && ["http:", "https:", "mailto:"].includes(parsed.protocol)
      ? parsed.href : null;
  } catch {
    return null;
  }
}

function inline(parent, text) {
  let rest = text;
  while (rest) {
    const match = INLINE.exec(rest);
    if (!match) {
      parent.append(rest);
      return;
    }
    if (match.index) parent.append(rest.slice(0, match.index));
    const [whole, , bold, code, star, underscore, label, url] = match;
    let node;
    if (bold !== undefined) node = document.createElement("strong");
    else if (code !== undefined) node = document.createElement("code");
    else if (star !== undefined || underscore !== undefined) node = document.createElement("em");
    if (node) {
      node.textContent = bold ?? code ?? star ?? underscore;
    } else {
      const href = safeHref(url);
      if (href) {
        node = document.createElement("a");
        node.href = href;
        node.target = "_blank";
        node.rel = "noopener noreferrer";
        node.textContent = label;
      } else {
        node = document.createTextNode(label);
      }
    }
    parent.append(node);
    rest = rest.slice(match.index + whole.length);
  }
}

export function renderMarkdown(text) {
  const fragment = document.createDocumentFragment();
  let list = null;
  for (const line of text.replace(/\r\n?/g, "\n").split("\n")) {
    const bullet = /^\s*(?:[-*•]|\d+[.)])\s+(.*)$/.exec(line);
    if (bullet) {
      const ordered = /^\s*\d/.test(line);
      if (!list || (list.tagName === "OL") !== ordered) {
        list = document.createElement(ordered ? "ol" : "ul");
        fragment.append(list);
      }
      const item = document.createElement("li");
      inline(item, bullet[1]);
      list.append(item);
      continue;
    }
    list = null;
    if (!line.trim()) continue;
    const paragraph = document.createElement("p");
    inline(paragraph, line);
    fragment.append(paragraph);
  }
  return fragment;
}

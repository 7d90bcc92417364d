// A short name for this browser and system ("Chrome on Android"), sent in the hello so
// an operator can tell two web chat devices of one customer apart. Only a label: it
// identifies nobody (the signed token does that).

const BROWSERS = [
  [/Edg\//, "Edge"],
  [/OPR\/|Opera/, "Opera"],
  [/Firefox\//, "Firefox"],
  [/Chrom(e|ium)\//, "Chrome"],
  [/Safari\//, "Safari"],
];
const SYSTEMS = [
  [/Android/, "Android"],
  [/iPhone|iPad|iPod/, "iOS"],
  [/Windows/, "Windows"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/CrOS/, "ChromeOS"],
  [/Linux/, "Linux"],
];

function first(table, text) {
  const found = table.find(([pattern]) => pattern.test(text));
  return found ? found[1] : null;
}

export function deviceName() {
  const agent = String(navigator.userAgent || "");
  const browser = first(BROWSERS, agent) || "A browser";
  const system = first(SYSTEMS, agent);
  return system ? `${browser} on ${system}` : browser;
}

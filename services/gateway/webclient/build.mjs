// Refreshes the vendored front-end files from node_modules (run by `make vendor` after `npm ci`):
// compiles GOV.UK Frontend's Sass (Arial, no GDS Transport font, no crown) with the client's own styles into
// static/app.css, and copies the built scripts the client and its tests load. The outputs are committed, so
// `make run` and `make test` need no Node.js.

import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const staticDir = join(here, "static");
const vendorDir = join(staticDir, "vendor");
const testVendorDir = join(here, "..", "..", "..", "tests", "webclient", "vendor");

// A built script without its source-map comment (the map is not vendored, so a browser would ask for it in vain).
function copyScript(from, to) {
  const text = readFileSync(from, "utf8").replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, "\n");
  writeFileSync(to, text);
}

function version(name) {
  return JSON.parse(readFileSync(join(modules, name, "package.json"), "utf8")).version;
}

mkdirSync(vendorDir, { recursive: true });
mkdirSync(testVendorDir, { recursive: true });

const css = sass.compile(join(here, "styles", "app.scss"), {
  importers: [new sass.NodePackageImporter(here)],
  style: "compressed",
  sourceMap: false,
  charset: false, // no byte-order mark: the header comment comes first, and the file is served as UTF-8
});
writeFileSync(join(staticDir, "app.css"),
  `/* Built by build.mjs from styles/app.scss with govuk-frontend ${version("govuk-frontend")} (MIT). */\n${css.css}\n`);

copyScript(join(modules, "govuk-frontend", "dist", "govuk", "govuk-frontend.min.js"),
  join(vendorDir, "govuk-frontend.min.js"));
copyScript(join(modules, "chart.js", "dist", "chart.umd.min.js"), join(vendorDir, "chart.umd.min.js"));
copyScript(join(modules, "axe-core", "axe.min.js"), join(testVendorDir, "axe.min.js"));

writeFileSync(join(vendorDir, "LICENSE-govuk-frontend.txt"),
  "govuk-frontend (https://github.com/alphagov/govuk-frontend), MIT licence, (c) Crown copyright.\n");
copyFileSync(join(modules, "chart.js", "LICENSE.md"), join(vendorDir, "LICENSE-chart.js.md"));
copyFileSync(join(modules, "axe-core", "LICENSE"), join(testVendorDir, "LICENSE-axe-core.txt"));

const versions = ["govuk-frontend", "chart.js", "axe-core"].map((name) => `${name} ${version(name)}`).join("\n");
writeFileSync(join(vendorDir, "VERSIONS.txt"), `${versions}\n`);
console.log(`vendored:\n${versions}`);

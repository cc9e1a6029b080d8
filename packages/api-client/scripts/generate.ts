import { writeFile } from "node:fs/promises";
import { relative } from "node:path";
import { generateApiTypes, generatedPath, openApiDocumentPath } from "../src/generate.ts";

const source = await generateApiTypes();
await writeFile(generatedPath, source);
console.log(`${relative(process.cwd(), openApiDocumentPath)} -> ${relative(process.cwd(), generatedPath)}`);

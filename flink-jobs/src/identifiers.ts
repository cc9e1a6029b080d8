import { z } from "zod";
import { hasControlCharacter } from "./sql-text.ts";

/**
 * A table, view or column name. Any printable text is allowed (JSON fields are
 * often called `timestamp` or `user-id`); it is always rendered backtick-quoted.
 * A backtick is rejected rather than doubled so that the name in the spec, in
 * Flink's catalog and in error messages is one and the same string.
 */
export const identifierSchema = z
  .string()
  .min(1, "a name may not be empty")
  .max(128, "a name may have at most 128 characters")
  .refine((s) => !s.includes("`"), {
    message: "a name may not contain a backtick (`)",
    params: { code: "IDENTIFIER_BACKTICK" },
  })
  .refine((s) => !hasControlCharacter(s), {
    message: "a name may not contain control characters (newline, tab, NUL...)",
    params: { code: "IDENTIFIER_CONTROL_CHARACTER" },
  })
  .refine((s) => s.trim() === s, {
    message: "a name may not start or end with whitespace",
    params: { code: "IDENTIFIER_WHITESPACE" },
  });

/** Text that ends up in a SQL string literal (filter values, paths, patterns). */
export const literalTextSchema = z.string().refine((s) => !hasControlCharacter(s), {
  message:
    "text may not contain control characters (newline, tab, NUL...); Flink SQL literals cannot carry them",
  params: { code: "LITERAL_CONTROL_CHARACTER" },
});

/** A job name: the job's identity in URLs, topics and `pipeline.name`. */
export const jobNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,62}$/,
    "a job name is a slug: lower-case letters, digits and '-', starting with a letter, at most 63 characters",
  );

/** An enrichment name becomes part of topic names and of the task id. */
export const enrichmentNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]{0,62}$/,
    "an enrichment name uses lower-case letters, digits and '_', starting with a letter",
  );

/** Kafka's own rule for topic names. */
export const topicSchema = z
  .string()
  .regex(
    /^[a-zA-Z0-9._-]{1,249}$/,
    "a Kafka topic name uses letters, digits, '.', '_' and '-' (at most 249)",
  );

/** Secret names as they appear in the environment of the API. */
export const secretNameSchema = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]*$/, "a secret name is upper-case letters, digits and '_', starting with a letter");

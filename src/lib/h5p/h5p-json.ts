import { z } from 'zod';

/**
 * The two H5P descriptors we read: h5p.json (a package or activity) and library.json (a library folder).
 * Field names follow the H5P specification (h5p.org/documentation/developers/json-file-definitions).
 */

/** H5P machine names: letters, digits, dots, dashes and underscores, starting with a letter. */
export const MACHINE_NAME = /^[A-Za-z][A-Za-z0-9._-]{0,99}$/;

// a string or a number only: coercing an object ({"toString": 1}) would throw instead of failing
const version = z.union([z.string(), z.number()]).pipe(z.coerce.number().int().min(0).max(9999));

export const dependencySchema = z.object({
  machineName: z.string().regex(MACHINE_NAME, '库名只能包含字母、数字、点、横线和下划线'),
  majorVersion: version,
  minorVersion: version,
});
export type H5pDependency = z.infer<typeof dependencySchema>;

export const h5pJsonSchema = z
  .object({
    title: z.string().trim().min(1, '不能为空').max(255, '最多 255 个字'),
    mainLibrary: z.string().regex(MACHINE_NAME, '库名只能包含字母、数字、点、横线和下划线'),
    language: z.string().max(10).optional(),
    embedTypes: z.array(z.enum(['div', 'iframe'])).optional(),
    preloadedDependencies: z.array(dependencySchema).min(1, '至少要有一个依赖库').max(200, '依赖库过多'),
  })
  .refine((j) => j.preloadedDependencies.some((d) => d.machineName === j.mainLibrary), {
    message: '主库必须列在 preloadedDependencies 中',
    path: ['mainLibrary'],
  });
export type H5pJson = z.infer<typeof h5pJsonSchema>;

const filePath = z.object({ path: z.string().min(1).max(300) });

export const libraryJsonSchema = z.object({
  title: z.string().min(1).max(255),
  machineName: z.string().regex(MACHINE_NAME),
  majorVersion: version,
  minorVersion: version,
  patchVersion: version,
  runnable: z.union([z.literal(0), z.literal(1)]),
  preloadedJs: z.array(filePath).optional(),
  preloadedCss: z.array(filePath).optional(),
  preloadedDependencies: z.array(dependencySchema).optional(),
});
export type LibraryJson = z.infer<typeof libraryJsonSchema>;

/** The folder name H5P gives a library: "H5P.MultiChoice-1.16". */
export function libraryFolder(d: H5pDependency): string {
  return `${d.machineName}-${d.majorVersion}.${d.minorVersion}`;
}

export * from './org';
export * from './auth';
export * from './audit';
export * from './learning';
export * from './policy';
export * from './assessment';
export * from './h5p';
export * from './certification';

import '@testing-library/jest-dom/vitest';
import './i18n';

// The crisis panel is kept in sessionStorage: each test starts without one.
afterEach(() => sessionStorage.clear());

import { Component, type ReactNode } from 'react';
import i18n from '../i18n';

/**
 * Keeps a failing screen from taking the whole app (and the crisis bar)
 * with it; e.g. after an update, an open tab asks for a chunk that is gone.
 */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { failed: boolean }> {
  state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  componentDidUpdate(previous: { resetKey: string }): void {
    if (previous.resetKey !== this.props.resetKey && this.state.failed) this.setState({ failed: false });
  }

  render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    return (
      <div className="error-box" role="alert">
        <p>{i18n.t('common:errors.screen')}</p>
        <button type="button" onClick={() => window.location.reload()}>
          {i18n.t('common:errors.reload')}
        </button>
      </div>
    );
  }
}

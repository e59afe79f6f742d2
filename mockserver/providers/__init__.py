"""One folder per faked provider: a pure model, thin handlers and the provider's own envelope."""

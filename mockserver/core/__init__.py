"""Mechanisms shared by every provider. Nothing in here knows about SMS or about a provider."""

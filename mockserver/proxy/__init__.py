"""The validation proxy (`mockserver proxy`, issue 27): the traffic between an app and the real
provider, held to the specs the fake is built from. See docs/contract-testing.md."""

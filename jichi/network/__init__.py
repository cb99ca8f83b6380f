"""住基ネット: the messages between nodes and the transports that carry them."""

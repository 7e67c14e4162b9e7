"""Local stand-ins for the services Kakehashi talks to, so that no test touches the network."""

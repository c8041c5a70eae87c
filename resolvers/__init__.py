"""The AppSync Lambda: `resolvers.app.handler`."""

"""Staff access to client data while delivering a service, bounded to an order."""

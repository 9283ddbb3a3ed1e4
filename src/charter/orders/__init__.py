"""Orders, invoices and payments: Transaction and Financial data kept as accounting records."""

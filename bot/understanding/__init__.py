"""Understanding free text: a provider turns a customer's sentence into commands
(``bot.understanding.contract``) that the core validates and applies."""

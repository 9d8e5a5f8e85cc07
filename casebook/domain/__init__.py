"""The domain: case files, exact figures, rules and Swedish formatting. No pandas or IPython."""

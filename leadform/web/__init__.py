"""HTTP plumbing the endpoints stand on: middleware, request log, templating, assets,
the page cache, framing rules, the accent colour, paging and the chart."""

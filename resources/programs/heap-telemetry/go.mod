module flashdeck.dev/programs/heap-telemetry

go 1.22

module flashdeck.dev/programs/blink

go 1.22

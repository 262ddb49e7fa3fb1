module flashdeck.dev/programs/led-test

go 1.22
